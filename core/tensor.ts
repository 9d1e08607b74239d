/** The one host tensor type of slimflow; conversions to onnxruntime live in core/runtime. */
/** float16 data is carried as its raw 16-bit patterns (Uint16Array), as onnxruntime-node takes it. */
export type DType = 'float32' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool' | 'float64';

export type TypedArrayOf<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'int8'
          ? Int8Array
          : D extends 'float16'
            ? Uint16Array
            : Uint8Array;

export interface Tensor<D extends DType = DType> {
  dtype: D;
  dims: number[];
  data: TypedArrayOf<D>;
}

export const sizeOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** A float32 tensor, checking that data and dims agree. */
export function floatTensor(data: Float32Array, dims: number[]): Tensor<'float32'> {
  if (data.length !== sizeOf(dims)) throw new Error(`tensor data has ${data.length} values, dims ${dims} need ${sizeOf(dims)}`);
  return { dtype: 'float32', dims, data };
}
