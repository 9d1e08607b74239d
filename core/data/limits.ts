import * as fs from 'node:fs';
import { SlimflowError } from '../errors';

/**
 * Caps on what one data file may cost, checked before anything is decoded, so that a small file
 * that claims a huge size (a 389 KB PNG of 20000×20000 pixels, a zip bomb) is refused by name
 * instead of growing the worker by gigabytes. Each cap has a default and an environment variable
 * (a positive integer) that overrides it on the worker:
 *
 * | cap                                | default          | variable                    |
 * |------------------------------------|------------------|-----------------------------|
 * | pixels of one image (w × h)        | 40 000 000       | SLIMFLOW_MAX_IMAGE_PIXELS   |
 * | bytes of one image file            | 64 MiB           | SLIMFLOW_MAX_IMAGE_BYTES    |
 * | bytes of one .npy / .npz file, and | 2 GiB            | SLIMFLOW_MAX_INPUT_BYTES    |
 * |   of one array unpacked from .npz  |                  |                             |
 * | bytes of one text or tokenizer file| 256 MiB          | SLIMFLOW_MAX_TEXT_BYTES     |
 *
 * The image pixel count is read from the file's header (PNG IHDR, JPEG SOF, GIF, BMP, WebP), see
 * image-header.ts. Text is capped lower because a JavaScript string cannot hold much more.
 */
export interface DataLimit {
  /** The environment variable that overrides the default. */
  env: string;
  default: number;
  /** What is counted, for messages ("pixels", "bytes"). */
  unit: string;
}

export const MAX_IMAGE_PIXELS: DataLimit = { env: 'SLIMFLOW_MAX_IMAGE_PIXELS', default: 40_000_000, unit: 'pixels' };
export const MAX_IMAGE_BYTES: DataLimit = { env: 'SLIMFLOW_MAX_IMAGE_BYTES', default: 64 * 2 ** 20, unit: 'bytes' };
export const MAX_INPUT_BYTES: DataLimit = { env: 'SLIMFLOW_MAX_INPUT_BYTES', default: 2 * 2 ** 30, unit: 'bytes' };
export const MAX_TEXT_BYTES: DataLimit = { env: 'SLIMFLOW_MAX_TEXT_BYTES', default: 256 * 2 ** 20, unit: 'bytes' };

/** The cap in force: the environment's value when set, else the default. Read at each use, so a worker's env decides. */
export function limitValue(limit: DataLimit): number {
  const raw = process.env[limit.env];
  if (raw === undefined || raw.trim() === '') return limit.default;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new SlimflowError('INVALID_CONFIG', `environment variable ${limit.env} must be a positive integer (${limit.unit})`, limit.env);
  }
  return n;
}

/** Throw INVALID_DATA naming `file` when `amount` is above the cap; `what` says what was measured. */
export function checkLimit(limit: DataLimit, amount: number, file: string, what: string): void {
  const cap = limitValue(limit);
  if (amount > cap) {
    throw new SlimflowError('INVALID_DATA', `${what} is ${amount} ${limit.unit}, above the limit of ${cap} (set ${limit.env} to raise it)`, file);
  }
}

/**
 * Read a whole file after checking its size against the cap (NOT_FOUND when it cannot be read).
 * Reads through a descriptor into one buffer: no second stat race, and no 2 GiB limit of readFileSync.
 */
export function readFileCapped(file: string, limit: DataLimit, what = 'file'): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    throw new SlimflowError('NOT_FOUND', `${what} does not exist or cannot be read`, file);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new SlimflowError('INVALID_DATA', `${what} is not a regular file`, file);
    checkLimit(limit, st.size, file, `${what} size`);
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = fs.readSync(fd, buf, off, Math.min(st.size - off, 1 << 30), off);
      if (n === 0) break;
      off += n;
    }
    return off === st.size ? buf : buf.subarray(0, off);
  } finally {
    fs.closeSync(fd);
  }
}
