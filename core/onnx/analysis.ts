import { GraphInput } from '../feed';
import { Model, TensorProto, toNum } from './proto';
import { constantNodeValue } from './graph';
import { describeValue } from './graph-inputs';
import { ModelFamily, modelFamily } from './family';

export type { ModelFamily } from './family';
import { opsetVersion } from './model-io';

export const QUANTIZABLE_OPS = ['Conv', 'ConvTranspose', 'MatMul', 'Gemm'] as const;

export interface LayerInfo {
  node: string;
  opType: string;
  weight: string;
  weightShape: number[];
  params: number;
  output: string;
}

/** A graph input or output: name, element type by name (float32, int64, …), ONNX type code, and dims. */
export interface InputInfo extends GraphInput {
  elemType: number;
}

export interface GraphAnalysis {
  opset: number;
  producer: string;
  nodeCount: number;
  opCensus: Record<string, number>;
  paramCount: number;
  inputs: InputInfo[];
  outputs: InputInfo[];
  quantizableLayers: LayerInfo[];
  /** Outputs of the last layers with trainable weights, as ACT picks distillation nodes. */
  distillationNodes: string[];
  family: ModelFamily;
  /** Which structure of the graph decided the family, in words. */
  familyReason: string;
  /** Where weights live: paddle2onnx puts them in Constant nodes. */
  weightStorage: 'initializers' | 'constants' | 'mixed' | 'none';
}

/** Tensors that hold constant data, by the name the graph uses for them. */
export function constantTensors(model: Model): Map<string, TensorProto> {
  const out = new Map<string, TensorProto>();
  for (const t of model.graph.initializer ?? []) if (t.name) out.set(t.name, t);
  for (const n of model.graph.node) {
    if (n.opType !== 'Constant') continue;
    const value = constantNodeValue(n);
    if (value) out.set(n.output[0], value);
  }
  return out;
}

function valueInfo(v: Model['graph']['input'][number]): InputInfo {
  return { ...describeValue(v), elemType: v.type?.tensorType?.elemType ?? 0 };
}

/** Analyse a model's structure: what there is to compress and where. */
export function analyzeModel(model: Model, distillationNodeCount = 1): GraphAnalysis {
  const g = model.graph;
  const consts = constantTensors(model);
  const census: Record<string, number> = {};
  for (const n of g.node) census[n.opType] = (census[n.opType] ?? 0) + 1;

  let paramCount = 0;
  for (const t of consts.values()) {
    const dims = t.dims.map(toNum);
    // Scalars and small shape vectors are not parameters.
    if (t.dataType === 1 && dims.length >= 1 && dims.reduce((a, b) => a * b, 1) > 1) paramCount += dims.reduce((a, b) => a * b, 1);
  }

  const layers: LayerInfo[] = [];
  for (const n of g.node) {
    if (!(QUANTIZABLE_OPS as readonly string[]).includes(n.opType)) continue;
    const weightName = n.input.slice(0, 2).find((i) => consts.has(i));
    if (!weightName) continue;
    const dims = consts.get(weightName)!.dims.map(toNum);
    layers.push({
      node: n.name ?? n.output[0],
      opType: n.opType,
      weight: weightName,
      weightShape: dims,
      params: dims.reduce((a, b) => a * b, 1),
      output: n.output[0],
    });
  }

  const hasInit = (g.initializer ?? []).length > 0;
  const hasConst = g.node.some((n) => n.opType === 'Constant');
  const inputs = g.input.filter((i) => !consts.has(i.name)).map(valueInfo);
  const outputs = g.output.map(valueInfo);
  const { family, reason } = modelFamily(model, consts, census, inputs, outputs);
  return {
    opset: opsetVersion(model),
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
    nodeCount: g.node.length,
    opCensus: census,
    paramCount,
    inputs,
    outputs,
    quantizableLayers: layers,
    distillationNodes: layers.slice(-distillationNodeCount).map((l) => l.output),
    family,
    familyReason: reason,
    weightStorage: hasInit && hasConst ? 'mixed' : hasInit ? 'initializers' : hasConst ? 'constants' : 'none',
  };
}
