import * as fs from 'node:fs';
import * as path from 'node:path';
import { SlimflowError } from '../../errors';
import { MAX_TEXT_BYTES, readFileCapped } from '../limits';

/** One passage of a text file: its text (whitespace collapsed) and the 1-based line it starts on. */
export interface Passage {
  text: string;
  line: number;
}

/** The text files of a folder: regular files (symlinks followed), hidden ones skipped, sorted by name. */
export function listTextFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    throw new SlimflowError('NOT_FOUND', 'text folder does not exist or cannot be read', dir);
  }
  const files = names
    .filter((n) => !n.startsWith('.'))
    .sort()
    .map((n) => path.join(dir, n))
    .filter((f) => {
      try {
        return fs.statSync(f).isFile();
      } catch {
        return false;
      }
    });
  if (files.length === 0) throw new SlimflowError('INVALID_DATA', 'text folder holds no files', dir);
  return files;
}

/** A file's text, refused by name (never quoted) when it is binary or not UTF-8. */
export function readText(file: string): string {
  const bytes = readFileCapped(file, MAX_TEXT_BYTES, 'text file');
  if (bytes.includes(0)) throw new SlimflowError('INVALID_DATA', 'not a text file (it holds NUL bytes)', file);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SlimflowError('INVALID_DATA', 'not UTF-8 text', file);
  }
}

/**
 * Cut a text into passages, deterministically: "paragraph" splits at blank lines and joins each
 * paragraph's lines with spaces (wrapped prose reads as one passage), "line" takes each non-blank line.
 */
export function cutPassages(text: string, by: 'paragraph' | 'line'): Passage[] {
  const out: Passage[] = [];
  let lines: string[] = [];
  let start = 0;
  const flush = () => {
    const t = lines.join(' ').replace(/\s+/g, ' ').trim();
    if (t) out.push({ text: t, line: start });
    lines = [];
  };
  text.split(/\r?\n/).forEach((raw, i) => {
    if (by === 'line') {
      lines = [raw];
      start = i + 1;
      flush();
    } else if (raw.trim() === '') flush();
    else {
      if (lines.length === 0) start = i + 1;
      lines.push(raw);
    }
  });
  flush();
  return out;
}
