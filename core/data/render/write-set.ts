import * as path from 'node:path';
import { writeFileAtomic } from '../../artifacts/atomic';
import { SlimflowError } from '../../errors';
import { renderTextLine } from './textline';
import { RenderedClsSpec, parseDatasetSpec } from '../spec';

/** Where a written set landed, ready to plug into an `images` spec. */
export interface WrittenSet {
  dir: string;
  labels: string;
  count: number;
}

/**
 * Write a rendered set as PNG files plus a labels file, so the `images` path can be checked against the
 * rendered path on identical pictures. PNG is lossless, so both paths see the same pixels.
 */
export function writeRenderedSet(spec: RenderedClsSpec | Record<string, unknown>, dir: string, labelsName = 'labels.txt'): WrittenSet {
  const parsed = parseDatasetSpec(spec, 'rendered');
  if (parsed.kind !== 'rendered-textlines' || parsed.task !== 'cls') {
    throw new SlimflowError('INVALID_DATA', `only a rendered-textlines cls spec can be written as images, got ${parsed.kind}${parsed.kind === 'rendered-textlines' ? ` task ${parsed.task}` : ''}`, 'rendered.kind');
  }
  const s = parsed;
  const lines: string[] = [];
  const digits = String(s.count - 1).length;
  for (let i = 0; i < s.count; i++) {
    const line = renderTextLine(s.seed, i, s);
    const name = `line-${String(i).padStart(digits, '0')}.png`;
    writeFileAtomic(path.join(dir, name), line.canvas.toBuffer('image/png'));
    lines.push(`${name} ${line.label}`);
  }
  const labels = path.join(dir, labelsName);
  writeFileAtomic(labels, lines.join('\n') + '\n');
  return { dir, labels, count: s.count };
}
