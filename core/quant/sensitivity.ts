import { encodeModel } from '../onnx/model-io';
import { Model } from '../onnx/proto';
import { ModelSession } from '../runtime/session';
import { Tensor } from '../tensor';
import { withExtraOutputs } from './collect';

/** How much one quantized layer's output departs from the float model's. */
export interface LayerSensitivity {
  /** Node name (what skipNodes takes). */
  layer: string;
  /** The output tensor compared (present in both models). */
  tensor: string;
  mse: number;
  /** Signal-to-quantization-noise ratio in dB: 10·log10(Σ y² / Σ (y_q − y)²); lower is more sensitive. */
  sqnr: number;
}

/**
 * Per-layer error of a quantized model against its float model on calibration data: both run once
 * per batch with every layer output tapped. Errors include what upstream layers pass on (as in
 * deployment). Sorted most sensitive (lowest SQNR) first. Memory: two sums per layer.
 */
export async function layerSensitivity(float: Model, quantized: Model, layers: { layer: string; tensor: string }[], batches: AsyncIterable<Record<string, Tensor>>, opts: { threads?: number } = {}): Promise<LayerSensitivity[]> {
  const tensors = [...new Set(layers.map((l) => l.tensor))];
  const f = await ModelSession.create(encodeModel(withExtraOutputs(float, tensors)), { threads: opts.threads ?? 1 }, 'sensitivity float');
  const q = await ModelSession.create(encodeModel(withExtraOutputs(quantized, tensors)), { threads: opts.threads ?? 1 }, 'sensitivity quantized');
  const sums = new Map(tensors.map((t) => [t, { signal: 0, noise: 0, count: 0 }]));
  try {
    for await (const feeds of batches) {
      const [fo, qo] = [await f.run(feeds, tensors), await q.run(feeds, tensors)];
      for (const t of tensors) {
        const a = fo[t].data as Float32Array;
        const b = qo[t].data as Float32Array;
        const s = sums.get(t)!;
        for (let i = 0; i < a.length; i++) { s.signal += a[i] * a[i]; s.noise += (b[i] - a[i]) ** 2; }
        s.count += a.length;
      }
      await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    await f.release();
    await q.release();
  }
  return layers
    .map((l) => {
      const s = sums.get(l.tensor)!;
      // A layer reproduced exactly has infinite SQNR; cap it so reports stay JSON-serializable.
      const sqnr = s.noise === 0 ? 200 : Math.min(200, 10 * Math.log10(s.signal / s.noise));
      return { ...l, mse: s.count ? s.noise / s.count : 0, sqnr };
    })
    .sort((x, y) => x.sqnr - y.sqnr || x.layer.localeCompare(y.layer));
}

/** Result of the greedy float-fallback search. */
export interface FallbackChoice { keepFloat: string[]; metric: number; met: boolean; evaluations: { keepFloat: string[]; metric: number }[] }

/**
 * Greedy mixed precision: keep the most sensitive layers in float, one more at a time, until
 * `evaluate(keepFloat)` (e.g. teacher agreement of the model re-quantized with skipNodes) reaches
 * `target`, or `maxFloat` layers are float. Higher metric is better.
 */
export async function chooseFloatLayers(sorted: LayerSensitivity[], evaluate: (keepFloat: string[]) => Promise<number>, target: number, maxFloat = sorted.length): Promise<FallbackChoice> {
  const evaluations: FallbackChoice['evaluations'] = [];
  const keepFloat: string[] = [];
  let metric = await evaluate([]);
  evaluations.push({ keepFloat: [], metric });
  for (const s of sorted) {
    if (metric >= target || keepFloat.length >= maxFloat) break;
    keepFloat.push(s.layer);
    metric = await evaluate([...keepFloat]);
    evaluations.push({ keepFloat: [...keepFloat], metric });
  }
  return { keepFloat, metric, met: metric >= target, evaluations };
}

const WEIGHT_LAYERS = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);

/**
 * The layers a sensitivity run compares: weight layers the quantized model runs on dequantized
 * weights (so float-kept layers are left out), whose output tensor the float model (prepared the
 * same way, so names match) also produces.
 */
export function quantizedLayers(float: Model, quantized: Model): { layer: string; tensor: string }[] {
  const floatOutputs = new Set(float.graph.node.flatMap((n) => n.output));
  const dequantized = new Set(quantized.graph.node.filter((n) => n.opType === 'DequantizeLinear').map((n) => n.output[0]));
  return quantized.graph.node
    .filter((n) => WEIGHT_LAYERS.has(n.opType) && dequantized.has(n.input[1]) && floatOutputs.has(n.output[0]))
    .map((n) => ({ layer: n.name || n.output[0], tensor: n.output[0] }));
}
