import { SlimflowError } from '../errors';
import { DType, Tensor, sizeOf } from '../tensor';

/**
 * NumPy .npy files (format versions 1.0, 2.0, 3.0), little-endian, C order.
 * The format is a magic string, a version, a header length, a Python-literal dict header, then raw data.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

// descr → our dtype and bytes per element. '|' means byte order does not apply (1-byte types).
const DESCRS: Record<string, { dtype: DType; bytes: number }> = {
  '<f4': { dtype: 'float32', bytes: 4 },
  '<f8': { dtype: 'float64', bytes: 8 },
  '<i8': { dtype: 'int64', bytes: 8 },
  '<i4': { dtype: 'int32', bytes: 4 },
  '|u1': { dtype: 'uint8', bytes: 1 },
  '<u1': { dtype: 'uint8', bytes: 1 },
  '|i1': { dtype: 'int8', bytes: 1 },
  '<f2': { dtype: 'float16', bytes: 2 },
  '|b1': { dtype: 'bool', bytes: 1 },
};

const bad = (message: string, file: string) => new SlimflowError('INVALID_DATA', message, file);

/** What a .npy header says: element type, shape, and where the data starts. */
export interface NpyHeader {
  dtype: DType;
  dims: number[];
  dataStart: number;
  /** Bytes the data takes. */
  byteCount: number;
}

/**
 * Parse the header of a .npy file from its first bytes (all of them, or a prefix long enough to
 * hold the header). Errors name the file and what was expected, never quote the header text.
 */
export function readNpyHeader(bytes: Uint8Array, file = '<npy>'): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad('not a .npy file (bad magic string)', file);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad('truncated .npy header', file);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw bad(`unsupported .npy format version ${major}.${bytes[7]}`, file);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw bad('truncated .npy header', file);
  // Version 3 allows UTF-8 in the header; 1 and 2 are latin1. The keys we read are ASCII either way.
  const header = Buffer.from(bytes.subarray(headerStart, dataStart)).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw bad("malformed .npy header: expected a dict with 'descr', 'fortran_order' and 'shape'", file);
  }
  if (fortran === 'True') throw bad('Fortran-order (column-major) .npy arrays are not supported; save with np.ascontiguousarray', file);
  const kind = DESCRS[descr];
  // A dtype code is named (it is what was asked for); anything else in its place is not echoed.
  const named = /^[<>|=]?[a-zA-Z]\d{0,2}$/.test(descr) ? ` '${descr}'` : '';
  if (!kind) throw bad(`unsupported .npy dtype${named} (supported: ${Object.keys(DESCRS).join(', ')}; big-endian is not)`, file);
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw bad('malformed .npy shape: expected a tuple of non-negative integers', file);
  return { dtype: kind.dtype, dims, dataStart, byteCount: sizeOf(dims) * kind.bytes };
}

/** Parse a .npy file's bytes into a host tensor; `file` is only used to name it in errors. */
export function readNpy(bytes: Uint8Array, file = '<npy>'): Tensor {
  const { dtype, dims, dataStart, byteCount } = readNpyHeader(bytes, file);
  if (bytes.length - dataStart < byteCount) {
    throw bad(`truncated .npy data: shape [${dims.join(', ')}] needs ${byteCount} bytes, file has ${bytes.length - dataStart}`, file);
  }
  // Large arrays are viewed in place when their data is aligned (NumPy pads headers to 64 bytes), so a
  // 2 GiB file is not held twice. Otherwise, and for small ones (a Node Buffer under 4 KiB is a view
  // into a shared pool that the tensor would pin), copy into a fresh buffer.
  const at = bytes.byteOffset + dataStart;
  const width = byteCount / Math.max(1, sizeOf(dims));
  if (byteCount >= 1 << 16 && at % Math.max(1, width) === 0) {
    return { dtype, dims, data: typedView(dtype, bytes.buffer as ArrayBuffer, at, sizeOf(dims)) } as Tensor;
  }
  const raw = new Uint8Array(byteCount);
  raw.set(bytes.subarray(dataStart, dataStart + byteCount));
  return { dtype, dims, data: typedView(dtype, raw.buffer, 0, sizeOf(dims)) } as Tensor;
}

function typedView(dtype: DType, buf: ArrayBuffer, offset: number, length: number): Tensor['data'] {
  switch (dtype) {
    case 'float32': return new Float32Array(buf, offset, length);
    case 'float64': return new Float64Array(buf, offset, length);
    case 'int64': return new BigInt64Array(buf, offset, length);
    case 'int32': return new Int32Array(buf, offset, length);
    case 'int8': return new Int8Array(buf, offset, length);
    case 'float16': return new Uint16Array(buf, offset, length);
    default: return new Uint8Array(buf, offset, length);
  }
}

const DESCR_OF: Partial<Record<DType, string>> = {
  float32: '<f4', float64: '<f8', int64: '<i8', int32: '<i4', uint8: '|u1', int8: '|i1', float16: '<f2', bool: '|b1',
};

/** Serialize a host tensor as a version 1.0 .npy file (C order, little-endian). */
export function writeNpy(t: Tensor): Uint8Array {
  const descr = DESCR_OF[t.dtype];
  if (!descr) throw new SlimflowError('NOT_SUPPORTED', `cannot write dtype ${t.dtype} to .npy`);
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // The spec pads the header with spaces and a newline so the data starts on a 64-byte boundary.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const data = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(10 + header.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(data, 10 + header.length);
  return out;
}
