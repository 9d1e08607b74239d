import { GraphInput } from '../feed';
import { consumerMap, producerMap } from './graph';
import { Model, NodeProto, TensorProto } from './proto';

/** What kind of network a graph is; it steers which strategies and which task metric are tried. */
export type ModelFamily = 'cnn' | 'transformer' | 'detector' | 'segmenter';

const FLOAT_TYPES = new Set(['float32', 'float16', 'float64']);
const INT_TYPES = new Set(['int64', 'int32']);
const UPSAMPLING = new Set(['ConvTranspose', 'Resize', 'Upsample', 'DepthToSpace']);
/** Ops an attention score passes through between MatMul(Q, Kᵀ) and Softmax (scale, mask, head reshapes). */
const SCORE_PATH = new Set(['Add', 'Sub', 'Mul', 'Div', 'Where', 'Cast', 'Reshape', 'Transpose', 'Identity', 'Clip', 'Max', 'Min']);
/** What follows a head's last layer: bias, activation, normalization. */
const HEAD_TAIL = new Set(['Sigmoid', 'Add', 'Mul', 'Relu', 'Clip', 'HardSigmoid', 'BatchNormalization', 'Identity']);
/** Ops that only rearrange a head's output before it becomes a graph output. */
const LAYOUT = new Set(['Transpose', 'Reshape', 'Identity', 'Squeeze', 'Unsqueeze']);

/** Largest class count (4+C or 5+C) taken for a YOLO head, and the fewest anchors. */
const MAX_HEAD_WIDTH = 1024;
const MIN_ANCHORS = 100;

interface Ctx {
  model: Model;
  producers: Map<string, NodeProto>;
  /** Tensors computed from constants only (weights, folded shapes): not activations. */
  constant: Set<string>;
  /** Tensors computed from an integer graph input (token ids and what is derived from them). */
  fromIntInput: Set<string>;
}

/**
 * The family from the graph alone, with the structure that decided it:
 * - detector: a YOLO-style head (an output [N, 4+C, A] or [N, A, 5+C], A large, assembled by a
 *   Concat of the scales) or a DB text-probability map (one channel, painted by a ConvTranspose
 *   head as in PP-OCR) from an image input;
 * - segmenter: an N×C×H×W output (C class maps, or one mask as U²-Net's) at the input's H×W or a
 *   fixed fraction of it (1/2, 1/4, 1/8), or at an unknown size behind an upsampling op, from an
 *   image input;
 * - transformer: attention (Softmax fed by a MatMul of two activations), a Gather embedding of
 *   integer inputs, or LayerNorm (op or decomposed) in a MatMul-heavy graph;
 * - cnn: anything else.
 */
export function modelFamily(model: Model, consts: Map<string, TensorProto>, census: Record<string, number>, inputs: GraphInput[], outputs: GraphInput[]): { family: ModelFamily; reason: string } {
  const ctx = context(model, consts, inputs);
  const image = inputs.find((i) => FLOAT_TYPES.has(i.dtype) && i.dims.length === 4);
  if (image) {
    const yolo = outputs.find((o) => isYoloHead(ctx, o));
    if (yolo) return { family: 'detector', reason: `output "${yolo.name}" [${yolo.dims.join(', ')}] is a YOLO-style head (boxes and classes of many anchors, joined by a Concat)` };
    const upsampler = model.graph.node.find((n) => UPSAMPLING.has(n.opType));
    const spatial = outputs.filter((o) => o.dims.length === 4);
    for (const o of spatial) {
      const head = o.dims[1] === 1 || typeof o.dims[1] === 'string' ? paintingHead(ctx, o.name) : undefined;
      if (head) return { family: 'detector', reason: `output "${o.name}" is a one-channel map painted by a ${head.opType} head (a DB text detector)` };
    }
    for (const o of spatial) {
      const how = segmentationMap(image, o, upsampler);
      const what = o.dims[1] === 1 ? 'a one-channel mask' : `${o.dims[1]} class maps`;
      if (how) return { family: 'segmenter', reason: `output "${o.name}" [${o.dims.join(', ')}] holds ${what} ${how}` };
    }
  }
  const attention = model.graph.node.find((n) => n.opType === 'Softmax' && fedByActivationMatMul(ctx, n.input[0]));
  if (attention) return { family: 'transformer', reason: `attention: Softmax "${attention.name || attention.output[0]}" is fed by a MatMul of two activations` };
  const embedding = model.graph.node.find((n) => n.opType === 'Gather' && consts.has(n.input[0]) && ctx.fromIntInput.has(n.input[1]));
  if (embedding) return { family: 'transformer', reason: `embedding: Gather "${embedding.name || embedding.output[0]}" looks up integer inputs in a table` };
  const matmuls = (census.MatMul ?? 0) + (census.Gemm ?? 0);
  const convs = (census.Conv ?? 0) + (census.ConvTranspose ?? 0);
  const norm = layerNorm(model, census);
  if (norm && matmuls >= 2 && matmuls >= convs) return { family: 'transformer', reason: `${norm} between ${matmuls} MatMul/Gemm layers` };
  return { family: 'cnn', reason: image ? 'an image network with none of the detector, segmenter or transformer structures' : 'none of the detector, segmenter or transformer structures' };
}

function context(model: Model, consts: Map<string, TensorProto>, inputs: GraphInput[]): Ctx {
  const constant = new Set(consts.keys());
  const fromIntInput = new Set(inputs.filter((i) => INT_TYPES.has(i.dtype)).map((i) => i.name));
  // Graphs are topologically sorted as exporters write them; a node met out of order only loses precision here.
  for (const n of model.graph.node) {
    const ins = n.input.filter(Boolean);
    if (ins.every((i) => constant.has(i))) for (const o of n.output) constant.add(o);
    if (ins.some((i) => fromIntInput.has(i))) for (const o of n.output) fromIntInput.add(o);
  }
  return { model, producers: producerMap(model.graph), constant, fromIntInput };
}

/** True when `t` is, a few elementwise steps back, the product of two activations (Q·Kᵀ). */
function fedByActivationMatMul(ctx: Ctx, t: string): boolean {
  const seen = new Set<string>();
  let frontier = [t];
  for (let depth = 0; depth < 8 && frontier.length; depth++) {
    const next: string[] = [];
    for (const name of frontier) {
      if (seen.has(name) || ctx.constant.has(name)) continue;
      seen.add(name);
      const p = ctx.producers.get(name);
      if (!p) continue;
      if ((p.opType === 'MatMul' || p.opType === 'Einsum') && p.input.filter((i) => i && !ctx.constant.has(i)).length >= 2) return true;
      if (SCORE_PATH.has(p.opType)) next.push(...p.input.filter(Boolean));
    }
    frontier = next;
  }
  return false;
}

/** `[N, 4+C, A]` or `[N, A, 5+C]`: one axis a head width of at least 5, the other many anchors (or dynamic), built by a Concat. */
function isYoloHead(ctx: Ctx, o: GraphInput): boolean {
  if (!FLOAT_TYPES.has(o.dtype) || o.dims.length !== 3) return false;
  const [a, b] = [o.dims[1], o.dims[2]];
  const width = [a, b].filter((d): d is number => typeof d === 'number' && d >= 5 && d <= MAX_HEAD_WIDTH);
  const anchors = (d: number | string, w: number) => typeof d === 'string' || d >= Math.max(MIN_ANCHORS, 4 * w);
  const shaped = width.some((w) => (a === w && anchors(b, w)) || (b === w && anchors(a, w)));
  if (!shaped) return false;
  let p = ctx.producers.get(o.name);
  while (p && LAYOUT.has(p.opType)) p = ctx.producers.get(p.input[0]);
  return p?.opType === 'Concat';
}

/**
 * The learned upsampler (ConvTranspose, or the DepthToSpace it becomes) that paints a map right
 * before the output, through its bias, activation and normalization: the shape of a DB head.
 */
function paintingHead(ctx: Ctx, output: string): NodeProto | undefined {
  let p = ctx.producers.get(output);
  for (let depth = 0; p && depth < 6; depth++) {
    if (p.opType === 'ConvTranspose' || p.opType === 'DepthToSpace') return p;
    if (!HEAD_TAIL.has(p.opType)) return undefined;
    p = ctx.producers.get(p.input.find((i) => i && !ctx.constant.has(i)) ?? '');
  }
  return undefined;
}

/** How an N×C×H×W output (C class maps, or one mask) lines up with the image input, or undefined when it does not. */
function segmentationMap(image: GraphInput, o: GraphInput, upsampler: NodeProto | undefined): string | undefined {
  const c = o.dims[1];
  if (typeof c !== 'number' || c < 1) return undefined;
  // The image's H, W: NCHW, or NHWC when the last axis holds the colour channels.
  const nhwc = typeof image.dims[3] === 'number' && image.dims[3] <= 4 && image.dims[1] !== image.dims[3];
  const [h, w] = nhwc ? [image.dims[1], image.dims[2]] : [image.dims[2], image.dims[3]];
  const [oh, ow] = [o.dims[2], o.dims[3]];
  if (oh === h && ow === w && oh !== '?' && ow !== '?') return 'at the input\'s resolution';
  if ([h, w, oh, ow].every((d) => typeof d === 'number')) {
    const [fh, fw] = [(h as number) / (oh as number), (w as number) / (ow as number)];
    if (fh === fw && [2, 4, 8].includes(fh)) return `at 1/${fh} of the input's resolution`;
    return undefined;
  }
  if (typeof oh === 'string' && typeof ow === 'string' && upsampler) return `of a size the graph computes, upsampled by ${upsampler.opType}`;
  return undefined;
}

/** LayerNormalization, or its decomposition x − ReduceMean(x) squared and averaged again; undefined if neither. */
function layerNorm(model: Model, census: Record<string, number>): string | undefined {
  if ((census.LayerNormalization ?? 0) > 0) return 'LayerNormalization';
  const producers = producerMap(model.graph);
  const consumers = consumerMap(model.graph);
  const decomposed = model.graph.node.some((n) => {
    if (n.opType !== 'Sub') return false;
    const mean = producers.get(n.input[1]);
    if (mean?.opType !== 'ReduceMean' || mean.input[0] !== n.input[0]) return false;
    return (consumers.get(n.output[0]) ?? []).some((c) => c.opType === 'Pow' || (c.opType === 'Mul' && c.input[0] === c.input[1]));
  });
  return decomposed ? 'a decomposed LayerNorm (ReduceMean, Sub, Pow)' : undefined;
}
