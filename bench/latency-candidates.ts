import { firstAndLastConv, int8ForLatency, loadPpOcr, PP_OCR_MODELS, prunedForLatency } from '../core/latency/variants';
import { Model } from '../core/onnx/proto';

export interface Candidate { label: string; family: 'cls' | 'rec' | 'det'; variant: string; model: Model; shape: number[] }

/** The benchmark's candidates of one PP-OCR model: FP32, INT8, INT8 with float ends, channel-pruned 25% and 50%. */
async function variantsOf(name: 'cls' | 'rec' | 'det', shape: number[]): Promise<[string, Model][]> {
  const base = loadPpOcr(name);
  const shapes = { x: shape };
  return [
    ['fp32', base],
    ['int8', await int8ForLatency(base, shapes)],
    ['int8-float-ends', await int8ForLatency(base, shapes, firstAndLastConv(base))],
    ['pruned25', prunedForLatency(base, 0.25)],
    ['pruned50', prunedForLatency(base, 0.5)],
  ];
}

/** All 15 latency-benchmark candidates (three PP-OCR models × five variants) at their deploy shapes. */
export async function latencyCandidates(): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const spec of PP_OCR_MODELS) {
    const shape = [...spec.shape];
    for (const [variant, model] of await variantsOf(spec.name, shape)) out.push({ label: `${spec.name}/${variant}`, family: spec.name, variant, model, shape });
  }
  return out;
}
