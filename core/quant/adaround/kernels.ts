// The two matrix products AdaRound needs, as tiny generated ONNX graphs run by onnxruntime (the
// house rule: heavy math in native code). JavaScript only gathers patches and updates elements.
import { attr, makeNode } from '../../onnx/graph';
import { encodeModel } from '../../onnx/model-io';
import { DataType, Dimension, GraphProto, Model, ValueInfoProto } from '../../onnx/proto';
import { floatTensorProto } from '../../onnx/tensor-data';
import { ModelSession } from '../../runtime/session';

const floatInput = (name: string, dims: (number | string)[]): ValueInfoProto => ({
  name,
  type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d): Dimension => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

const model = (name: string, graph: Pick<GraphProto, 'node' | 'initializer' | 'input' | 'output'>): Model =>
  ({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph: { ...graph, name, valueInfo: [] } });

/** Gram matrices of grouped columns: X [G, n, K] → XᵀX [G, K, K]; one session serves every layer (dims are dynamic). */
export function gramModel(): Model {
  return model('adaround_gram', {
    node: [
      makeNode('Transpose', ['x'], ['xt'], 'transpose', [attr.ints('perm', [0, 2, 1])]),
      makeNode('MatMul', ['xt', 'x'], ['h'], 'gram'),
    ],
    initializer: [],
    input: [floatInput('x', ['groups', 'columns', 'k'])],
    output: [floatInput('h', ['groups', 'k', 'k'])],
  });
}

/** One layer's side of the product: its normalized Gram matrices [groups, k, k] and its row count per group. */
export interface ProductLayer { h: Float32Array; groups: number; k: number; rows: number }

/**
 * D_i [G, M, K] → D_i·H_i [G, M, K] for every layer i, with the H_i baked in: the reconstruction
 * gradient of all layers in one onnxruntime call per iteration (inputs d0…, outputs dh0…).
 */
export function productModel(layers: ProductLayer[]): Model {
  return model('adaround_product', {
    node: layers.map((_, i) => makeNode('MatMul', [`d${i}`, `h${i}`], [`dh${i}`], `product${i}`)),
    initializer: layers.map((l, i) => floatTensorProto(`h${i}`, [l.groups, l.k, l.k], l.h)),
    input: layers.map((l, i) => floatInput(`d${i}`, [l.groups, l.rows, l.k])),
    output: layers.map((l, i) => floatInput(`dh${i}`, [l.groups, l.rows, l.k])),
  });
}

/** A session for one of the graphs above (single thread unless asked: other work shares the CPU). */
export const kernelSession = (m: Model, threads = 1): Promise<ModelSession> =>
  ModelSession.create(encodeModel(m), { threads }, m.graph.name ?? 'adaround kernel');
