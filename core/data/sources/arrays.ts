import { SlimflowError } from '../../errors';
import { FeedInput } from '../../feed';
import { Tensor } from '../../tensor';
import { firstNonFinite, rowsOf, unravel } from '../dtype';
import { Sample, SampleSource } from '../sample';

/** Arrays named after graph inputs that share axis 0, the samples: one .npz file, or a folder of `<input>.npy`. */
export interface ArrayGroup {
  /** Names the group in sample ids ("calib.npz[3]"). */
  label: string;
  /** The file or folder, for errors. */
  where: string;
  /** The group's arrays by name; `wanted` (the feed's input names) may let it skip the others. */
  load(wanted?: ReadonlySet<string>): Record<string, Tensor>;
}

/**
 * Samples of named arrays, group after group in order; every group must hold the same names (the
 * feed's inputs when there is a feed, else those of the first group; for a one-input feed, a group
 * holding a single array of another name, such as np.savez's arr_0, feeds that input). Arrays are checked on load:
 * rank ≥ 1, one axis-0 length per group, finite floats.
 */
export function namedArraysSource(where: string, groups: ArrayGroup[], feed?: readonly FeedInput[]): SampleSource {
  const wanted = feed ? new Set(feed.map((f) => f.name)) : undefined;
  let names: string[] | undefined = feed?.map((f) => f.name);
  // The last group read stays loaded, so count() followed by samples() on one file reads it once.
  let cache: { group: ArrayGroup; arrays: Record<string, Tensor>; n: number } | undefined;
  // np.savez(f, x) names its one array arr_0: for a one-input feed, an archive's only array feeds it.
  const only = feed?.length === 1 ? feed[0].name : undefined;
  const open = (g: ArrayGroup) => {
    if (cache?.group !== g) {
      let arrays = g.load(only ? undefined : wanted);
      const held = Object.keys(arrays);
      if (only && !(only in arrays) && held.length === 1) arrays = { [only]: arrays[held[0]] };
      names ??= Object.keys(arrays).sort();
      cache = { group: g, arrays, n: checkGroup(g, arrays, names) };
    }
    return cache;
  };
  return {
    where,
    labeled: false,
    arity: 'named',
    async count() {
      let n = 0;
      for (const g of groups) n += open(g).n;
      return n;
    },
    async *samples(limit?: number): AsyncGenerator<Sample> {
      let left = limit ?? Infinity;
      for (const g of groups) {
        if (left <= 0) return;
        const { arrays, n } = open(g);
        for (let i = 0; i < n && left > 0; i++, left--) {
          const tensors: Record<string, Tensor> = {};
          for (const name of names!) {
            const row = rowsOf(arrays[name], i, i + 1);
            tensors[name] = { ...row, dims: row.dims.slice(1) } as Tensor;
          }
          yield { id: `${g.label}[${i}]`, tensors };
        }
      }
    },
  };
}

/** The group's sample count, after checking that it holds every name, with one axis-0 length and finite values. */
function checkGroup(g: ArrayGroup, arrays: Record<string, Tensor>, names: readonly string[]): number {
  const held = Object.keys(arrays).sort();
  const missing = names.filter((n) => !(n in arrays));
  if (missing.length > 0) {
    throw new SlimflowError('INVALID_DATA', `no array for input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}; it holds ${held.map((h) => `"${h}"`).join(', ') || 'no arrays'}`, g.where);
  }
  let n: number | undefined;
  let first = '';
  for (const name of names) {
    const t = arrays[name];
    if (t.dims.length === 0) throw new SlimflowError('INVALID_DATA', `array "${name}" is a scalar; samples must lie on axis 0`, g.where);
    if (n === undefined) {
      n = t.dims[0];
      first = name;
    } else if (t.dims[0] !== n) {
      throw new SlimflowError('INVALID_DATA', `array "${name}" has ${t.dims[0]} samples on axis 0, array "${first}" has ${n}`, g.where);
    }
    const bad = firstNonFinite(t);
    if (bad >= 0) throw new SlimflowError('INVALID_DATA', `array "${name}" has a NaN or Inf at element [${unravel(bad, t.dims).join(', ')}]; inputs must be finite`, g.where);
  }
  return n ?? 0;
}
