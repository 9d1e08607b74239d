import { SlimflowError } from '../../../core/errors';

/** Run `fn` and return the SlimflowError it raised; fails the test if it raised nothing or something else. */
export async function slimflowErrorOf(fn: () => unknown): Promise<SlimflowError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof SlimflowError) return e;
    throw new Error(`expected a SlimflowError, got ${String(e)}`);
  }
  throw new Error('expected a SlimflowError, nothing was thrown');
}

/** Drain an async generator (the batches of a dataset) into an array. */
export async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}
