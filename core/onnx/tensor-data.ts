import { SlimflowError } from '../errors';
import { DataType, TensorProto, toNum } from './proto';

/** A host-side copy of a float weight: values and dims. */
export interface FloatWeight { data: Float32Array; dims: number[] }

const le = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The dims of a TensorProto as plain numbers. */
export const tensorDims = (t: TensorProto): number[] => (t.dims ?? []).map(toNum);

const elementCount = (t: TensorProto) => tensorDims(t).reduce((a, b) => a * b, 1);

/** True for FLOAT and DOUBLE tensors: the only ones a float rewrite may read as weights (never int64 shape arithmetic, bool masks or float16). */
export const isFloatTensor = (t: TensorProto): boolean => t.dataType === DataType.FLOAT || t.dataType === DataType.DOUBLE;

/** A data type code by its ONNX name, for messages: 7 → "INT64 (7)". */
export const dataTypeName = (code: number | undefined): string =>
  `${Object.entries(DataType).find(([, c]) => c === code)?.[0] ?? 'UNDEFINED'} (${code ?? 0})`;

/** Float values of a FLOAT/DOUBLE tensor, whether stored in raw_data or the typed repeated fields. */
export function tensorToFloat32(t: TensorProto): Float32Array {
  const n = elementCount(t);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  if (t.dataType === DataType.FLOAT) {
    if (raw) {
      // raw_data is little-endian and may be unaligned inside the protobuf buffer, so go through a DataView.
      const dv = le(raw);
      const out = new Float32Array(raw.length / 4);
      for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
      return out;
    }
    return Float32Array.from(t.floatData ?? []);
  }
  if (t.dataType === DataType.DOUBLE) {
    if (raw) {
      const dv = le(raw);
      const out = new Float32Array(raw.length / 8);
      for (let i = 0; i < out.length; i++) out[i] = dv.getFloat64(i * 8, true);
      return out;
    }
    return Float32Array.from(t.doubleData ?? []);
  }
  if (n === 0) return new Float32Array(0);
  throw new SlimflowError('NOT_SUPPORTED', `tensor "${t.name ?? ''}" has data type ${dataTypeName(t.dataType)}, expected FLOAT or DOUBLE`, t.name);
}

/** Integer values of an INT64/INT32/INT8/UINT8 tensor as JS numbers (shape-like data: axes, starts, pads). */
export function tensorToInts(t: TensorProto): number[] {
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  switch (t.dataType) {
    case DataType.INT64: {
      if (!raw) return (t.int64Data ?? []).map(toNum);
      const dv = le(raw);
      const out: number[] = [];
      for (let i = 0; i < raw.length / 8; i++) out.push(Number(dv.getBigInt64(i * 8, true)));
      return out;
    }
    case DataType.INT32: {
      if (!raw) return [...(t.int32Data ?? [])];
      const dv = le(raw);
      return Array.from({ length: raw.length / 4 }, (_, i) => dv.getInt32(i * 4, true));
    }
    case DataType.INT8:
      return raw ? [...new Int8Array(raw.buffer, raw.byteOffset, raw.length)] : [...(t.int32Data ?? [])];
    case DataType.UINT8:
      return raw ? [...raw] : [...(t.int32Data ?? [])];
    default:
      return [...tensorToFloat32(t)];
  }
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

/** A FLOAT TensorProto in raw_data form. */
export const floatTensorProto = (name: string, dims: number[], data: Float32Array): TensorProto =>
  ({ name, dims, dataType: DataType.FLOAT, rawData: bytesOf(data) });

/** An INT64 TensorProto (for axes, starts, shapes); values must be safe integers. */
export function int64TensorProto(name: string, dims: number[], values: number[]): TensorProto {
  // INT64_MAX read through toNum rounds up to 2^63, which would wrap to INT64_MIN: saturate instead.
  const big = BigInt64Array.from(values.map((v) =>
    v >= 9.2e18 ? 0x7fffffffffffffffn : v <= -9.2e18 ? -0x8000000000000000n : BigInt(Math.trunc(v))));
  return { name, dims, dataType: DataType.INT64, rawData: bytesOf(big) };
}

/** An INT8 TensorProto. */
export const int8TensorProto = (name: string, dims: number[], data: Int8Array): TensorProto =>
  ({ name, dims, dataType: DataType.INT8, rawData: bytesOf(data) });

/** A UINT8 TensorProto. */
export const uint8TensorProto = (name: string, dims: number[], data: Uint8Array): TensorProto =>
  ({ name, dims, dataType: DataType.UINT8, rawData: bytesOf(data) });

/** An INT32 TensorProto. */
export const int32TensorProto = (name: string, dims: number[], data: Int32Array): TensorProto =>
  ({ name, dims, dataType: DataType.INT32, rawData: bytesOf(data) });
