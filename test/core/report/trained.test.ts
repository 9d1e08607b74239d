import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../core/report/html';
import { buildReport, formatReport } from '../../../core/report/report';

const ref = (sha256: string) => ({ uri: `store://${sha256}`, sha256, bytes: 1, kind: 'model' }) as never;
const cand = (label: string, accuracy: number, latencyMs: number) => ({ label, model: ref(label), accuracy, agreement: accuracy, cosine: 99, latencyMs, sizeBytes: 300_000 });

const args = {
  model: '/m.onnx', task: 'ocr-rec', threads: 1, inputShape: [4, 3, 48, 320],
  baseline: cand('fp32', 100, 120), best: cand('fp32 rewritten', 100, 80), bestPath: '/out/model.onnx',
  candidates: [cand('int8', 97, 60)], skipped: [], maxAccuracyDrop: 1, targetSpeedup: 0,
};

describe('the trained student in the job report', () => {
  it('carries its figures against FP32, whether it is within tolerance, and where it was written', () => {
    const r = buildReport({ ...args, trained: { ...cand('qat', 99.5, 60), modelPath: '/out/trained.onnx' } });
    expect(r.trained).toMatchObject({ label: 'qat', modelPath: '/out/trained.onnx', accuracyDrop: 0.5, withinTolerance: true });
    expect(r.trained!.speedup).toBeCloseTo(2, 12);
    expect(buildReport({ ...args, trained: { ...cand('qat', 98, 60), modelPath: '/t.onnx' } }).trained!.withinTolerance).toBe(false);
    expect(formatReport(r)).toMatch(/trained \(qat\): accuracy 99\.50.*within tolerance.*\/out\/trained\.onnx/);
    expect(renderReportHtml(r)).toContain('trained: qat');
    // Without training (skipped, or no training section) the report has no such entry.
    expect(buildReport({ ...args, trained: null }).trained).toBeUndefined();
    expect(formatReport(buildReport(args))).not.toMatch(/trained/);
  });
});
