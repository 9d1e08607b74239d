import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ctcGreedyDecode, loadCtcClasses } from '../../../core/metrics/ctc';
import { editDistance } from '../../../core/metrics/edit-distance';
import { OcrRecMeter } from '../../../core/metrics/ocr-rec';
import { Tensor } from '../../../core/tensor';

/** One-hot N×T×C scores from class sequences. */
function scores(seqs: number[][], c: number): Tensor {
  const t = seqs[0].length;
  const data = new Float32Array(seqs.length * t * c);
  seqs.forEach((seq, i) => seq.forEach((k, s) => { data[(i * t + s) * c + k] = 1; }));
  return { dtype: 'float32', dims: [seqs.length, t, c], data };
}

const classes = ['', 'a', 'b', 'c', ' '];

describe('greedy CTC decoding', () => {
  it('merges repeats and drops blanks; a blank separates a real double letter', () => {
    expect(ctcGreedyDecode(scores([[1, 1, 0, 1, 2, 2, 4, 3, 0]], 5), classes)).toEqual(['aab c']);
    expect(ctcGreedyDecode(scores([[0, 0, 0]], 5), classes)).toEqual(['']);
  });

  it('rejects a dictionary that does not match the model', () => {
    expect(() => ctcGreedyDecode(scores([[1]], 6), classes)).toThrow(/6 classes/);
  });

  it('reads PaddleOCR\'s dictionary as blank + lines + space (6625 classes)', () => {
    const c = loadCtcClasses();
    expect(c.length).toBe(6625);
    expect(c[0]).toBe('');
    expect(c[6624]).toBe(' ');
    expect(c.indexOf('a')).toBeGreaterThan(0);
  });

  it('keeps dictionary lines that are themselves spaces or punctuation', () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ctc-')), 'keys.txt');
    fs.writeFileSync(f, 'x\n:\n \n');
    expect(loadCtcClasses(f)).toEqual(['', 'x', ':', ' ', ' ']);
  });
});

describe('edit distance and recognition accuracy', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('sums edit distances over the set, ignoring spaces, with exact-line accuracy beside it', () => {
    const m = new OcrRecMeter(classes);
    // Read "ab" for truth "a b" (exact once spaces go) and "c" for truth "cc" (one deletion).
    m.update(scores([[1, 0, 2], [3, 3, 3]], 5), ['a b', 'cc']);
    expect(m.value()).toBeCloseTo(100 * (1 - 1 / 4));
    expect(m.details().lineAccuracy).toBe(50);
    expect(() => m.update(scores([[1]], 5), [3])).toThrow(/text/);
  });

  it('is NaN before any line', () => {
    expect(new OcrRecMeter(classes).value()).toBeNaN();
  });
});
