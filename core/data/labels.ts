import { SlimflowError } from '../errors';
import { MAX_TEXT_BYTES, readFileCapped } from './limits';

/** One line of a labels file. */
export interface LabelEntry {
  file: string;
  label: number;
  /** 1-based line number, to point at the culprit in errors. */
  line: number;
}

/**
 * Read a labels file: one "<image file name> <class index>" per line (tab or spaces), blank lines and
 * "#" comments skipped. The class is the last field so file names may contain spaces.
 */
export function readLabelsFile(file: string): LabelEntry[] {
  const text = readFileCapped(file, MAX_TEXT_BYTES, 'labels file').toString('utf8');
  const entries: LabelEntry[] = [];
  const firstLine = new Map<string, number>();
  // Messages name the file, the line and what was expected, never the line's text: a labels path
  // pointed at a secret must not echo it.
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(.+?)\s+(\S+)$/.exec(line);
    const where = `${file}:${i + 1}`;
    if (!m) throw new SlimflowError('INVALID_DATA', 'expected "<image file name> <class index>" (two fields separated by spaces or a tab)', where);
    const label = Number(m[2]);
    if (!/^\d+$/.test(m[2]) || !Number.isSafeInteger(label)) throw new SlimflowError('INVALID_DATA', 'the last field must be a class index (a non-negative integer)', where);
    const before = firstLine.get(m[1]);
    if (before !== undefined) throw new SlimflowError('INVALID_DATA', `this line names the same image as line ${before}: an image is listed twice`, where);
    firstLine.set(m[1], i + 1);
    entries.push({ file: m[1], label, line: i + 1 });
  });
  if (entries.length === 0) throw new SlimflowError('INVALID_DATA', 'labels file lists no images', file);
  return entries;
}
