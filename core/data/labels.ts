import * as fs from 'node:fs';
import { SlimflowError } from '../errors';

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
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new SlimflowError('NOT_FOUND', 'labels file does not exist or cannot be read', file);
  }
  const entries: LabelEntry[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(.+?)\s+(\S+)$/.exec(line);
    const where = `${file}:${i + 1}`;
    if (!m) throw new SlimflowError('INVALID_DATA', `expected "<file> <class index>", got "${line}"`, where);
    const label = Number(m[2]);
    if (!Number.isInteger(label) || label < 0) throw new SlimflowError('INVALID_DATA', `class index must be a non-negative integer, got "${m[2]}"`, where);
    if (seen.has(m[1])) throw new SlimflowError('INVALID_DATA', `image "${m[1]}" is listed twice`, where);
    seen.add(m[1]);
    entries.push({ file: m[1], label, line: i + 1 });
  });
  if (entries.length === 0) throw new SlimflowError('INVALID_DATA', 'labels file lists no images', file);
  return entries;
}
