import * as path from 'node:path';
import { GlobalFonts } from '@napi-rs/canvas';
import { SlimflowError } from '../../errors';

/** DejaVu faces the renderer draws with; each is registered under its own family name so a pick is exact. */
const FACES = [
  'DejaVuSans',
  'DejaVuSans-Bold',
  'DejaVuSansCondensed',
  'DejaVuSansCondensed-Bold',
  'DejaVuSerif',
  'DejaVuSerif-Bold',
  'DejaVuSerifCondensed',
  'DejaVuSansMono',
] as const;

let registered: string[] | undefined;

/** Register the DejaVu TTFs once per process and return the family names to use in `ctx.font`. */
export function textlineFonts(): readonly string[] {
  if (registered) return registered;
  let dir: string;
  try {
    dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  } catch {
    throw new SlimflowError('NOT_FOUND', 'the dejavu-fonts-ttf package is not installed', 'dejavu-fonts-ttf');
  }
  const families: string[] = [];
  for (const face of FACES) {
    const file = path.join(dir, `${face}.ttf`);
    const family = `slimflow-${face}`;
    if (!GlobalFonts.registerFromPath(file, family)) throw new SlimflowError('NOT_FOUND', 'cannot register font', file);
    families.push(family);
  }
  registered = families;
  return families;
}
