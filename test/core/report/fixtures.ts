// A small job report with a known Pareto front, for the page tests.
import type { JobReport } from '../../../core/report/report';

const ref = { uri: 'store://x', sha256: 'x', bytes: 1, kind: 'model' } as never;
const cand = (label: string, accuracy: number, latencyMs: number) => ({ label, model: ref, accuracy, agreement: accuracy, cosine: 99, latencyMs, sizeBytes: 300_000, config: { calibrator: label } });

/** Five candidates: three on the front (fast-less-accurate to slow-most-accurate), two dominated. */
export function sampleReport(): JobReport {
  const candidates = [cand('a', 90, 10), cand('b', 95, 20), cand('c <b>', 99, 30), cand('d', 89, 25), cand('e', 94, 31)];
  return {
    model: '/models/demo.onnx',
    task: 'ocr-cls',
    threads: 1,
    inputShape: [8, 3, 48, 192],
    baseline: { ...cand('fp32', 100, 40), sizeBytes: 1_000_000 },
    best: { ...candidates[2], modelPath: '/out/model.onnx' },
    rewritten: null,
    int8: candidates[2],
    int8Speedup: 40 / 30,
    speedup: 40 / 30,
    accuracyDrop: 1,
    target: { maxAccuracyDrop: 1, targetSpeedup: 1, met: true },
    candidates,
    skipped: [{ strategy: '2:4 sparsity', reason: 'no sparse kernels on this target' }],
  } as JobReport;
}
