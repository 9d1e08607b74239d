import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../../core/data/npy';
import { slimflowErrorOf } from './expect-error';

/** Build a .npy file by hand with the given format version and header text, to test readers of other writers. */
function handmade(major: number, header: string, data: Uint8Array): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const head = Buffer.from(header, major === 3 ? 'utf8' : 'latin1');
  const out = new Uint8Array(prefix + head.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, head.length, true);
  else view.setUint32(8, head.length, true);
  out.set(head, prefix);
  out.set(data, prefix + head.length);
  return out;
}

describe('npy', () => {
  it('round-trips every supported dtype with its shape', () => {
    const cases = [
      { dtype: 'float32', dims: [2, 3], data: new Float32Array([1, -2.5, 3, 4, 5, 6e-8]) },
      { dtype: 'float64', dims: [3], data: new Float64Array([Math.PI, -1e300, 0]) },
      { dtype: 'int64', dims: [1, 2], data: new BigInt64Array([-(2n ** 62n), 7n]) },
      { dtype: 'int32', dims: [2, 1, 1], data: new Int32Array([-5, 2 ** 30]) },
      { dtype: 'uint8', dims: [4], data: new Uint8Array([0, 1, 254, 255]) },
    ] as const;
    for (const t of cases) {
      const bytes = writeNpy(t as never);
      // Data must start on a 64-byte boundary, as the format requires.
      expect((bytes.length - t.data.byteLength) % 64).toBe(0);
      const back = readNpy(bytes);
      expect(back.dtype).toBe(t.dtype);
      expect(back.dims).toEqual(t.dims);
      expect(Array.from(back.data as ArrayLike<unknown>)).toEqual(Array.from(t.data as ArrayLike<unknown>));
    }
  });

  it('reads version 2.0 and 3.0 headers and scalar-free 1-D shapes like (3,)', () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    for (const major of [2, 3]) {
      const t = readNpy(handmade(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", data));
      expect(t.dims).toEqual([3]);
      expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3]);
    }
  });

  it('rejects Fortran order with a message saying so, naming the file', async () => {
    const bytes = handmade(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }\n", new Uint8Array(4));
    const e = await slimflowErrorOf(() => readNpy(bytes, 'a.npy'));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.message).toMatch(/Fortran/);
    expect(e.path).toBe('a.npy');
  });

  it('rejects big-endian data, bad magic and truncated data', async () => {
    const be = handmade(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n", new Uint8Array(4));
    expect((await slimflowErrorOf(() => readNpy(be, 'be.npy'))).message).toMatch(/unsupported .npy dtype '>f4'/);
    expect((await slimflowErrorOf(() => readNpy(new Uint8Array(20), 'x.npy'))).message).toMatch(/magic/);
    const short = handmade(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n", new Uint8Array(8));
    expect((await slimflowErrorOf(() => readNpy(short, 's.npy'))).message).toMatch(/needs 16 bytes, file has 8/);
  });

  it('reads from a view into a larger buffer at an unaligned offset (as fs and Buffer pools hand out)', () => {
    const file = writeNpy({ dtype: 'float64', dims: [2], data: new Float64Array([1.5, -2]) });
    const pool = new Uint8Array(file.length + 3).fill(0xff);
    pool.set(file, 3);
    const t = readNpy(Buffer.from(pool.buffer, 3, file.length));
    expect(Array.from(t.data as Float64Array)).toEqual([1.5, -2]);
  });
});

describe('npy in place', () => {
  it('views a large aligned array without copying, and copies an unaligned one', () => {
    const t = { dtype: 'float32' as const, dims: [1 << 15], data: Float32Array.from({ length: 1 << 15 }, (_, i) => i) };
    const file = writeNpy(t);
    const inPlace = readNpy(file);
    expect(inPlace.data.buffer).toBe(file.buffer);
    expect(Array.from(inPlace.data as Float32Array)).toEqual(Array.from(t.data));
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    const copied = readNpy(shifted.subarray(1));
    expect(copied.data.buffer).not.toBe(shifted.buffer);
    expect(Array.from(copied.data as Float32Array)).toEqual(Array.from(t.data));
  });
});
