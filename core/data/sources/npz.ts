import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { SlimflowError } from '../../errors';
import { FeedInput } from '../../feed';
import { Tensor } from '../../tensor';
import { MAX_INPUT_BYTES, checkLimit, readFileCapped } from '../limits';
import { readNpy } from '../npy';
import { SampleSource } from '../sample';
import { NpzSpec } from '../spec';
import { ArrayGroup, namedArraysSource } from './arrays';

/**
 * Read the arrays of one .npz archive (a zip of `<name>.npy` members, stored or deflated, zip64 as
 * NumPy writes it). Only `wanted` members are unpacked when given; each member's unpacked size is
 * checked against the cap before it is inflated, so a zip bomb is refused by name.
 */
export function readNpz(file: string, wanted?: ReadonlySet<string>): Record<string, Tensor> {
  const bytes = readFileCapped(file, MAX_INPUT_BYTES, '.npz file');
  let unpacked = 0;
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (m) => {
        if (!m.name.endsWith('.npy')) return false;
        if (wanted && !wanted.has(m.name.slice(0, -4))) return false;
        unpacked += m.originalSize;
        checkLimit(MAX_INPUT_BYTES, unpacked, file, `the unpacked size of the arrays (up to "${m.name}")`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof SlimflowError) throw e;
    throw new SlimflowError('INVALID_DATA', `cannot read the .npz archive: ${(e as Error).message}`, file);
  }
  const arrays: Record<string, Tensor> = {};
  for (const [name, data] of Object.entries(members)) arrays[name.slice(0, -4)] = readNpy(data, `${file}:${name}`);
  return arrays;
}

/** NumPy archives, concatenated in the order listed. */
export function npzSource(spec: NpzSpec, feed?: readonly FeedInput[]): SampleSource {
  const files = spec.files.map((f) => path.resolve(f));
  const groups: ArrayGroup[] = files.map((file) => ({ label: path.basename(file), where: file, load: (wanted) => readNpz(file, wanted) }));
  return namedArraysSource(files.length === 1 ? files[0] : `${files.length} .npz files`, groups, feed);
}
