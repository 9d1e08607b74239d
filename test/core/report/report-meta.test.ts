import { describe, expect, it } from 'vitest';
import { buildReport, chosenStrategy, REPORT_SCHEMA_VERSION, withWriterMeta } from '../../../core/report/report';

const ref = (sha: string) => ({ uri: `slimflow:${sha}`, sha256: sha, bytes: 1, kind: 'model' as const });
const cand = (label: string, sha: string, over: Record<string, unknown> = {}) => ({ label, model: ref(sha), accuracy: null, agreement: 100, cosine: 100, latencyMs: 10, sizeBytes: 1, ...over });

const args = (best: ReturnType<typeof cand>, rewritten = cand('fp32 rewritten', 'r', { latencyMs: 7 })) => ({
  model: 'm.onnx', task: 'embedding', threads: 1, inputShape: [8, 128],
  baseline: cand('fp32', 'b', { score: 100, metric: 'cosine to teacher' }),
  best, rewritten, int8: null, bestPath: '/out/model.onnx', candidates: [best], skipped: [],
  maxAccuracyDrop: 1, targetSpeedup: 0,
  meta: { createdAt: '2026-12-08T00:00:00.000Z', workflowId: 'compress-m-abc' },
});

describe('report.json', () => {
  it('judges the target in the task metric, says which metric decided, and carries schema version and workflow', () => {
    // Top-1 agreement 50 (meaningless for an embedding) but cosine 99.5: within a 1-point tolerance.
    const best = cand('int8 kl', 'q', { agreement: 50, score: 99.5, metric: 'cosine to teacher', latencyMs: 5 });
    const r = buildReport(args(best));
    expect(r.target.met).toBe(true);
    expect(r.accuracyDrop).toBeCloseTo(0.5, 9);
    expect(r.decidedBy).toBe('cosine to teacher');
    expect(r.meta).toEqual({ schemaVersion: REPORT_SCHEMA_VERSION, createdAt: '2026-12-08T00:00:00.000Z', workflowId: 'compress-m-abc' });
    const missed = buildReport(args(cand('int8 abs', 'q2', { agreement: 99.9, score: 95.8, metric: 'cosine to teacher' })));
    expect(missed.target.met).toBe(false);
  });

  it('is completed by the writer with slimflow version, the CPU and its SIMD flags, and the config; meta comes first', () => {
    const r = withWriterMeta(buildReport(args(cand('x', 'q'))), {
      slimflowVersion: '0.2.0', cpu: { model: 'AMD EPYC', flags: ['fpu', 'sse4_2', 'avx2', 'avx512f', 'avx512_vnni', 'rdrand'] }, config: { Global: { model: 'm.onnx' } },
    });
    expect(Object.keys(r)[0]).toBe('meta');
    expect(r.meta).toMatchObject({ schemaVersion: REPORT_SCHEMA_VERSION, workflowId: 'compress-m-abc', slimflowVersion: '0.2.0', config: { Global: { model: 'm.onnx' } } });
    expect(r.meta!.cpu).toEqual({ model: 'AMD EPYC', flags: ['sse4_2', 'avx2', 'avx512f', 'avx512_vnni'] });
  });

  it('names the chosen strategy, not the planned one, when the FP32 rewrite wins', () => {
    const rewritten = cand('fp32 rewritten', 'r', { latencyMs: 7, score: 100 });
    expect(chosenStrategy(buildReport(args(rewritten, rewritten)), 'ptq-int8')).toBe('fp32-rewrite');
    expect(chosenStrategy(buildReport(args(cand('int8', 'q', { score: 99.9 }))), 'ptq-int8')).toBe('ptq-int8');
  });
});

describe('the terminal report', () => {
  it('prints where report.html is, beside the compressed model', async () => {
    const { formatReport } = await import('../../../core/report/report');
    const text = formatReport(buildReport(args(cand('x', 'q', { score: 99.9 }))));
    expect(text).toContain('compressed model: /out/model.onnx');
    expect(text).toContain('report: /out/report.html');
  });
});
