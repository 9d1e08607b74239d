import * as ort from 'onnxruntime-node';
import { DType, Tensor } from '../tensor';

/** Host tensor -> onnxruntime tensor (shares the buffer). */
export function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as never, t.dims);
}

/** onnxruntime tensor -> host tensor (shares the buffer). */
export function fromOrt(t: ort.Tensor): Tensor {
  return { dtype: t.type as DType, dims: [...t.dims], data: t.data as never } as Tensor;
}
