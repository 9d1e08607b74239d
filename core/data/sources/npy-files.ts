import * as fs from 'node:fs';
import * as path from 'node:path';
import { SlimflowError } from '../../errors';
import { FeedInput } from '../../feed';
import { Tensor } from '../../tensor';
import { firstNonFinite, rowsOf, unravel } from '../dtype';
import { MAX_INPUT_BYTES, checkLimit, readFileCapped } from '../limits';
import { NpyHeader, readNpy, readNpyHeader } from '../npy';
import { Sample, SampleSource, ONE_INPUT } from '../sample';
import { NpySpec } from '../spec';
import { namedArraysSource } from './arrays';

function listNpy(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    throw new SlimflowError('NOT_FOUND', 'data folder does not exist or cannot be read', dir);
  }
  return names.filter((n) => n.toLowerCase().endsWith('.npy')).sort();
}

/** The .npy files a spec names: its list, or every .npy in its folder sorted by name. */
function npyFiles(spec: NpySpec): string[] {
  if (spec.files) return spec.files.map((f) => path.resolve(f));
  const dir = path.resolve(spec.dir!);
  const files = listNpy(dir);
  if (files.length === 0) throw new SlimflowError('INVALID_DATA', 'data folder holds no .npy files', dir);
  return files.map((n) => path.join(dir, n));
}

/**
 * Which ranks a sample file may have: without a feed, C×H×W or N×C×H×W floats (the images form);
 * with one, the input's rank (a batch) or one less (one sample), of any element type.
 */
function checkHeader(h: Pick<NpyHeader, 'dtype' | 'dims'>, file: string, feed?: readonly FeedInput[]): void {
  const rank = feed?.[0]?.shape.length;
  if (rank === undefined) {
    if (h.dims.length !== 3 && h.dims.length !== 4) {
      throw new SlimflowError('INVALID_DATA', `expected one sample C×H×W or a batch N×C×H×W, got shape [${h.dims.join(', ')}]`, file);
    }
    if (h.dtype !== 'float32' && h.dtype !== 'float64') {
      // Integer and per-input arrays (input_ids.npy …) are read when the model's feed is known.
      throw new SlimflowError('INVALID_DATA', `model inputs must be float32 or float64, got ${h.dtype} (without the model's feed; typed and per-input arrays need it)`, file);
    }
  } else if (h.dims.length !== rank && h.dims.length !== rank - 1) {
    throw new SlimflowError('INVALID_DATA', `input "${feed![0].name}" has rank ${rank}: expected one sample of rank ${rank - 1} or a batch of rank ${rank}, got shape [${h.dims.join(', ')}]`, file);
  }
  if (h.dims.some((d) => d === 0)) throw new SlimflowError('INVALID_DATA', `array is empty: shape [${h.dims.join(', ')}]`, file);
}

/** The header of a .npy file from its first bytes, the size cap checked: counting needs no data. */
function peekHeader(file: string): NpyHeader {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    throw new SlimflowError('NOT_FOUND', '.npy file does not exist or cannot be read', file);
  }
  try {
    const size = fs.fstatSync(fd).size;
    checkLimit(MAX_INPUT_BYTES, size, file, '.npy file size');
    const head = Buffer.alloc(Math.min(size, 1 << 20));
    fs.readSync(fd, head, 0, head.length, 0);
    return readNpyHeader(head, file);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Read one sample file as a batch (`batched` tells whether it had the N axis). Without a feed the
 * data becomes float32 (float64 narrowed, checked to fit); with one, its type is kept for the feed
 * to convert. NaN and Inf are refused, naming the element.
 */
export function loadNpySamples(file: string, feed?: readonly FeedInput[]): { tensor: Tensor; batched: boolean } {
  const t = readNpy(readFileCapped(file, MAX_INPUT_BYTES, '.npy file'), file);
  checkHeader(t, file, feed);
  // Check the values as stored, before narrowing: a huge float64 would otherwise turn into a misleading Inf.
  const bad = firstNonFinite(t);
  if (bad >= 0) {
    const what = t.dtype === 'float16' ? 'NaN or Inf' : String((t.data as Float32Array)[bad]);
    throw new SlimflowError('INVALID_DATA', `${what} at flat index ${bad} (element [${unravel(bad, t.dims).join(', ')}]); inputs must be finite`, file);
  }
  const rank = feed?.[0]?.shape.length ?? 4;
  const batched = t.dims.length === rank;
  const dims = batched ? t.dims : [1, ...t.dims];
  let tensor: Tensor = { ...t, dims } as Tensor;
  if (!feed && t.dtype === 'float64') {
    tensor = { dtype: 'float32', dims, data: Float32Array.from(t.data as Float64Array) };
    const over = (tensor.data as Float32Array).findIndex((v) => !Number.isFinite(v));
    if (over >= 0) throw new SlimflowError('INVALID_DATA', `the float64 value at flat index ${over} does not fit in float32`, file);
  }
  return { tensor, batched };
}

/** .npy sample files (each one sample or a batch of the model's one input), read one file at a time. */
function sampleFilesSource(spec: NpySpec, feed?: readonly FeedInput[]): SampleSource {
  let files: string[] | undefined;
  const list = () => (files ??= npyFiles(spec));
  const rank = feed?.[0]?.shape.length ?? 4;
  return {
    where: spec.files ? `${list().length} .npy files` : path.resolve(spec.dir!),
    labeled: false,
    arity: 'one',
    async count() {
      let n = 0;
      for (const f of list()) {
        const h = peekHeader(f);
        checkHeader(h, f, feed);
        n += h.dims.length === rank ? h.dims[0] : 1;
      }
      return n;
    },
    async *samples(limit?: number): AsyncGenerator<Sample> {
      let left = limit ?? Infinity;
      for (const file of list()) {
        if (left <= 0) return;
        const { tensor, batched } = loadNpySamples(file, feed);
        for (let i = 0; i < tensor.dims[0] && left > 0; i++, left--) {
          const id = batched ? `${path.basename(file)}[${i}]` : path.basename(file);
          const row = rowsOf(tensor, i, i + 1);
          yield { id, tensors: { [ONE_INPUT]: { ...row, dims: row.dims.slice(1) } as Tensor } };
        }
      }
    },
  };
}

/**
 * The per-input form of a folder: `<input name>.npy` for every feed input. Undefined when the
 * folder holds none of them (it is then a folder of sample files); an error when it holds some only.
 */
function perInputFiles(dir: string, feed: readonly FeedInput[]): Map<string, string> | undefined {
  const present = new Set(listNpy(dir));
  const found = feed.filter((f) => present.has(`${f.name}.npy`));
  if (found.length === 0) return undefined;
  const missing = feed.filter((f) => !present.has(`${f.name}.npy`));
  if (missing.length > 0) {
    throw new SlimflowError('INVALID_DATA', `the folder holds ${found.map((f) => `${f.name}.npy`).join(', ')} but no ${missing.map((f) => `${f.name}.npy`).join(', ')} for input${missing.length > 1 ? 's' : ''} ${missing.map((f) => `"${f.name}"`).join(', ')}`, dir);
  }
  return new Map(feed.map((f) => [f.name, path.join(dir, `${f.name}.npy`)]));
}

/** .npy data: per input when the folder holds `<input>.npy` for every feed input, else sample files. */
export function npySource(spec: NpySpec, feed?: readonly FeedInput[]): SampleSource {
  // One input needs no per-input form: its sample files of the input's rank already are batches
  // (and a lone x.npy holding one C×H×W sample must not be read as C samples).
  if (spec.dir !== undefined && feed && feed.length > 1) {
    const dir = path.resolve(spec.dir);
    const perInput = perInputFiles(dir, feed);
    if (perInput) {
      const load = () => Object.fromEntries([...perInput].map(([name, file]) => [name, readNpy(readFileCapped(file, MAX_INPUT_BYTES, '.npy file'), file)]));
      return namedArraysSource(dir, [{ label: path.basename(dir), where: dir, load }], feed);
    }
  }
  return sampleFilesSource(spec, feed);
}
