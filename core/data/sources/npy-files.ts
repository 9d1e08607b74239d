import * as fs from 'node:fs';
import * as path from 'node:path';
import { SlimflowError } from '../../errors';
import { Tensor } from '../../tensor';
import { readNpy } from '../npy';
import { Sample, SampleSource } from '../sample';
import { NpySpec } from '../spec';

/** The .npy files a spec names: its list, or every .npy in its folder sorted by name. */
function npyFiles(spec: NpySpec): string[] {
  if (spec.files) return spec.files.map((f) => path.resolve(f));
  const dir = path.resolve(spec.dir!);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    throw new SlimflowError('NOT_FOUND', 'data folder does not exist or cannot be read', dir);
  }
  const files = names.filter((n) => n.toLowerCase().endsWith('.npy')).sort();
  if (files.length === 0) throw new SlimflowError('INVALID_DATA', 'data folder holds no .npy files', dir);
  return files.map((n) => path.join(dir, n));
}

/** Read one file as N×C×H×W float32 (`batched` tells whether it had an N axis), rejecting wrong ranks, non-float types and NaN/Inf. */
export function loadNpySamples(file: string): { dims: number[]; data: Float32Array; batched: boolean } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new SlimflowError('NOT_FOUND', '.npy file does not exist or cannot be read', file);
  }
  const t = readNpy(bytes, file);
  if (t.dims.length !== 3 && t.dims.length !== 4) {
    throw new SlimflowError('INVALID_DATA', `expected one sample C×H×W or a batch N×C×H×W, got shape [${t.dims.join(', ')}]`, file);
  }
  if (t.dims.some((d) => d === 0)) throw new SlimflowError('INVALID_DATA', `array is empty: shape [${t.dims.join(', ')}]`, file);
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new SlimflowError('INVALID_DATA', `model inputs must be float32 or float64, got ${t.dtype}`, file);
  }
  // Check the values as stored, before narrowing: a huge float64 would otherwise turn into a misleading Inf.
  const values = t.data as Float32Array | Float64Array;
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new SlimflowError('INVALID_DATA', `${values[bad]} at flat index ${bad} (element [${unravel(bad, t.dims).join(', ')}]); inputs must be finite`, file);
  }
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  if (values instanceof Float64Array) {
    const over = data.findIndex((v) => !Number.isFinite(v));
    if (over >= 0) throw new SlimflowError('INVALID_DATA', `${values[over]} at flat index ${over} does not fit in float32`, file);
  }
  return { dims: t.dims.length === 3 ? [1, ...t.dims] : t.dims, data, batched: t.dims.length === 4 };
}

/** Flat C-order index → multi-index, so an error can say which element is bad. */
function unravel(flat: number, dims: readonly number[]): number[] {
  const idx = new Array<number>(dims.length);
  for (let i = dims.length - 1; i >= 0; i--) {
    idx[i] = flat % dims[i];
    flat = Math.floor(flat / dims[i]);
  }
  return idx;
}

/** .npy files, each one sample or a batch, read one file at a time. */
export function npySource(spec: NpySpec): SampleSource {
  let files: string[] | undefined;
  const list = () => (files ??= npyFiles(spec));
  return {
    where: spec.files ? `${list().length} .npy files` : path.resolve(spec.dir!),
    labeled: false,
    async count() {
      let n = 0;
      for (const f of list()) n += loadNpySamples(f).dims[0];
      return n;
    },
    async *samples(limit?: number): AsyncGenerator<Sample> {
      let left = limit ?? Infinity;
      for (const file of list()) {
        if (left <= 0) return;
        const { dims, data, batched } = loadNpySamples(file);
        const [n, ...chw] = dims;
        const size = data.length / n;
        for (let i = 0; i < n && left > 0; i++, left--) {
          const id = batched ? `${path.basename(file)}[${i}]` : path.basename(file);
          yield { id, dims: chw, data: data.slice(i * size, (i + 1) * size) };
        }
      }
    },
  };
}
