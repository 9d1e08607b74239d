// Dynamic quantization: int8 weights stored in the model, activations quantized at run time per
// tensor (DynamicQuantizeLinear) — no calibration data. Each MatMul or Gemm with a constant 2-D
// weight becomes DynamicQuantizeLinear → MatMulInteger → Cast → Mul(activation scale · weight
// scales), the pattern onnxruntime's CPU graph optimizer fuses into DynamicQuantizeMatMul /
// MatMulIntegerToFloat (an int8 GEMM with the rescale folded in). On BERT-class encoders this is
// what the peers run fastest on CPUs, since attention's activation ranges vary from input to input.
import { attr, attrFloat, attrInt, makeNode, NameGenerator, producerMap, readWeight, removeDeadNodes } from '../onnx/graph';
import { encodeModel, opsetVersion } from '../onnx/model-io';
import { prepareModel } from '../onnx/prepare';
import { countKernels } from '../runtime/kernels';
import { upgradeOpset } from '../onnx/opset-upgrade';
import { cloneModel } from '../onnx/clone';
import { Model, NodeProto, TensorProto } from '../onnx/proto';
import { floatTensorProto, int8TensorProto } from '../onnx/tensor-data';
import { quantizeWeightInt8 } from './weights';
import { type EmbeddingQuantReport, quantizeEmbeddings } from './embedding';

export interface DynamicQuantOptions {
  /** Op types to quantize (default MatMul and Gemm). */
  opTypes?: ('MatMul' | 'Gemm')[];
  /** One weight scale per output column (default true). */
  perChannel?: boolean;
  /** 7-bit weights (qmax 63), for CPUs without VNNI whose u8·s8 pair sums saturate int16. */
  reduceRange?: boolean;
  /** Node names (or first outputs) to keep in float. */
  skipNodes?: string[];
  /** Store Gather tables (embeddings) as int8 with per-row scales too (embedding.ts; default false). */
  quantizeEmbeddings?: boolean;
}

export interface DynamicQuantReport {
  quantized: string[];
  /** Nodes of the requested op types left float, with the reason. */
  skipped: { node: string; reason: string }[];
  /** Gather tables stored as int8 (with quantizeEmbeddings). */
  embeddings?: EmbeddingQuantReport;
}

const nodeName = (n: NodeProto) => n.name || n.output[0];

/** A row-major [K, N] weight from a Gemm's B, transposed when transB is set. */
function gemmWeight(data: Float32Array, dims: number[], transB: boolean): { data: Float32Array; dims: number[] } {
  if (!transB) return { data, dims };
  const [n, k] = dims;
  const out = new Float32Array(data.length);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[j * n + i] = data[i * k + j];
  return { data: out, dims: [k, n] };
}

/** Quantize a model's MatMul/Gemm weights to int8 with activations quantized at run time. Returns a new model. */
export function quantizeDynamic(source: Model, opts: DynamicQuantOptions = {}): { model: Model; report: DynamicQuantReport } {
  // DynamicQuantizeLinear needs opset 11; older graphs are converted op by op first.
  const model = opsetVersion(source) < 11 ? upgradeOpset(source, 13) : cloneModel(source);
  const g = model.graph;
  const opTypes = new Set(opts.opTypes ?? ['MatMul', 'Gemm']);
  const skip = new Set(opts.skipNodes ?? []);
  const qmax = opts.reduceRange ? 63 : 127;
  const perChannel = opts.perChannel ?? true;
  const producers = producerMap(g);
  const names = new NameGenerator(g);
  const report: DynamicQuantReport = { quantized: [], skipped: [] };
  const added: TensorProto[] = [];
  const out: NodeProto[] = [];
  // One DynamicQuantizeLinear per activation tensor, shared by every MatMul that reads it (Q, K and V projections).
  const quantizedActivations = new Map<string, [string, string, string]>();
  const quantizeActivation = (tensor: string): [string, string, string] => {
    const have = quantizedActivations.get(tensor);
    if (have) return have;
    const outs: [string, string, string] = [names.next(`${tensor}_quantized`), names.next(`${tensor}_scale`), names.next(`${tensor}_zero_point`)];
    out.push(makeNode('DynamicQuantizeLinear', [tensor], outs, names.next(`${tensor}_DynamicQuantizeLinear`)));
    quantizedActivations.set(tensor, outs);
    return outs;
  };
  for (const n of g.node) {
    const name = nodeName(n);
    if (!opTypes.has(n.opType as 'MatMul') || skip.has(name)) {
      if (opTypes.has(n.opType as 'MatMul')) report.skipped.push({ node: name, reason: 'in skip list' });
      out.push(n);
      continue;
    }
    const reason = unsupportedReason(n, g, producers);
    if (reason) {
      report.skipped.push({ node: name, reason });
      out.push(n);
      continue;
    }
    const w = readWeight(g, n.input[1], producers)!;
    const weight = n.opType === 'Gemm' ? gemmWeight(w.data, w.dims, attrInt(n, 'transB', 0) === 1) : w;
    const qw = quantizeWeightInt8(weight, perChannel ? 1 : undefined, qmax);
    const columns = weight.dims[1];
    const [wq, ws, wz] = [names.next(`${n.input[1]}_quantized`), names.next(`${n.input[1]}_scale`), names.next(`${n.input[1]}_zero_point`)];
    added.push(
      int8TensorProto(wq, weight.dims, qw.q),
      floatTensorProto(ws, perChannel ? [columns] : [], qw.scales),
      int8TensorProto(wz, perChannel ? [columns] : [], new Int8Array(perChannel ? columns : 1)),
    );
    const [aq, as, az] = quantizeActivation(n.input[0]);
    const acc = names.next(`${name}_int32`);
    const accFloat = names.next(`${name}_int32_float`);
    const scale = names.next(`${name}_output_scale`);
    const y = n.opType === 'Gemm' && n.input[2] ? names.next(`${name}_matmul`) : n.output[0];
    out.push(
      makeNode('MatMulInteger', [aq, wq, az, wz], [acc], names.next(`${name}_MatMulInteger`)),
      makeNode('Mul', [as, ws], [scale], names.next(`${name}_scale_Mul`)),
      makeNode('Cast', [acc], [accFloat], names.next(`${name}_Cast`), [attr.int('to', 1)]),
      makeNode('Mul', [accFloat, scale], [y], names.next(`${name}_output_Mul`)),
    );
    if (y !== n.output[0]) out.push(makeNode('Add', [y, n.input[2]], [n.output[0]], names.next(`${name}_bias_Add`)));
    report.quantized.push(name);
  }
  g.node = out;
  g.initializer.push(...added);
  removeDeadNodes(g);
  if (opts.quantizeEmbeddings) report.embeddings = quantizeEmbeddings(model);
  return { model, report };
}

/** Why a MatMul/Gemm cannot take the dynamic int8 path, or undefined when it can. */
function unsupportedReason(n: NodeProto, g: Model['graph'], producers: Map<string, NodeProto>): string | undefined {
  const w = readWeight(g, n.input[1], producers);
  if (!w) return 'weight is not a float constant (both inputs are activations)';
  if (w.dims.length !== 2) return `weight has rank ${w.dims.length}, expected 2`;
  if (readWeight(g, n.input[0], producers)) return 'first input is a constant';
  if (n.opType === 'Gemm') {
    if (attrInt(n, 'transA', 0) !== 0) return 'Gemm with transA';
    if (attrFloat(n, 'alpha', 1) !== 1 || attrFloat(n, 'beta', 1) !== 1) return 'Gemm with alpha or beta other than 1';
  }
  return undefined;
}

/** MatMul/Gemm nodes whose weights dynamic quantization would take (for strategy rules and reports). */
export function dynamicQuantizableCount(model: Model): number {
  const producers = producerMap(model.graph);
  return model.graph.node.filter((n) => (n.opType === 'MatMul' || n.opType === 'Gemm') && !unsupportedReason(n, model.graph, producers)).length;
}

/** A dynamic trial's model and what the report says of it: the FP32 graph rewritten losslessly first, then quantized. */
export async function dynamicTrialModel(model: Model, opts: DynamicQuantOptions & { threads?: number }): Promise<{ model: Model; report: DynamicQuantReport & { integerKernels: Record<string, number> } }> {
  const { model: prepared } = prepareModel(model);
  const { model: quantized, report } = quantizeDynamic(prepared, opts);
  const integerKernels = await countKernels(encodeModel(quantized), { threads: opts.threads });
  return { model: quantized, report: { ...report, integerKernels } };
}
