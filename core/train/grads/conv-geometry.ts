import { attrInt, attrInts, attrString } from '../../onnx/graph';
import { NodeProto } from '../../onnx/proto';

/** Resolved 2-D window geometry of a Conv/ConvTranspose/pool node (auto_pad turned into explicit pads). */
export interface Geometry { kernel: number[]; strides: number[]; dilations: number[]; padsBegin: number[]; padsEnd: number[]; group: number }

/** Geometry of a forward window op from its attributes and static shapes (x: input, y: output). */
export function geometry(node: NodeProto, kernel: number[], x: number[], y: number[], transposed = false): Geometry {
  const nd = kernel.length;
  const strides = attrInts(node, 'strides') ?? new Array<number>(nd).fill(1);
  const dilations = attrInts(node, 'dilations') ?? new Array<number>(nd).fill(1);
  const pads = attrInts(node, 'pads') ?? new Array<number>(2 * nd).fill(0);
  const autoPad = attrString(node, 'auto_pad') ?? 'NOTSET';
  let padsBegin = pads.slice(0, nd);
  let padsEnd = pads.slice(nd);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER' || autoPad === 'VALID') {
    padsBegin = [];
    padsEnd = [];
    for (let i = 0; i < nd; i++) {
      const ext = (kernel[i] - 1) * dilations[i] + 1;
      // Total padding that makes the op produce the output size it produced in the probe.
      const total = autoPad === 'VALID' ? 0 : transposed
        ? Math.max(0, strides[i] * (x[2 + i] - 1) + ext - y[2 + i])
        : Math.max(0, (y[2 + i] - 1) * strides[i] + ext - x[2 + i]);
      const small = Math.floor(total / 2);
      padsBegin.push(autoPad === 'SAME_LOWER' ? total - small : small);
      padsEnd.push(autoPad === 'SAME_LOWER' ? small : total - small);
    }
  }
  return { kernel, strides, dilations, padsBegin, padsEnd, group: attrInt(node, 'group', 1) };
}
