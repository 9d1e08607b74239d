import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keptResult } from '../../cli/commands/cancel-result';
import type { ArtifactRef, Candidate } from '../../core/pipeline/types';
import type { JobReport } from '../../core/report/report';
import type { PtqSearchResult } from '../../workflows/ptq-search';
import type { TrainStrategyResult } from '../../workflows/train-strategy';

const ref = (sha: string): ArtifactRef => ({ uri: `/store/objects/${sha}.onnx`, sha256: sha, bytes: 10, kind: 'model' } as ArtifactRef);
const cand = (label: string, sha: string): Candidate => ({ label, model: ref(sha), accuracy: 97, agreement: 99, cosine: 99.9, latencyMs: 5, sizeBytes: 10 });

describe('what slimflow cancel says it kept', () => {
  it('an autoCompress job: the published model and the report beside it', () => {
    const out = path.join('/jobs', 'cls');
    const report = { best: { ...cand('int8 abs_max', 'a'), modelPath: path.join(out, 'model.onnx') } } as Partial<JobReport>;
    expect(keptResult(report)).toEqual({ label: 'int8 abs_max', model: path.join(out, 'model.onnx'), report: path.join(out, 'report.html') });
  });

  it('a search: its best trial in the store', () => {
    const r = { best: cand('int8 hist', 'b'), trials: [cand('int8 hist', 'b')], stoppedBy: 'stopped', trialsRun: 3, runs: 1 } as Partial<PtqSearchResult>;
    expect(keptResult(r)).toEqual({ label: 'int8 hist', model: '/store/objects/b.onnx', report: null });
  });

  it('training: the best epoch’s student, also when it was never validated', () => {
    const epoch = { epoch: 0, loss: 1, metric: null, model: ref('c'), resumedFromStep: 0 };
    const validated: TrainStrategyResult = { model: ref('c'), candidate: cand('train-epoch-1', 'c'), history: [epoch, { ...epoch, epoch: 1 }], stoppedBy: 'signal' };
    expect(keptResult(validated)).toEqual({ label: 'train-epoch-1', model: '/store/objects/c.onnx', report: null });
    const unvalidated: TrainStrategyResult = { ...validated, candidate: null };
    expect(keptResult(unvalidated)).toEqual({ label: 'trained student (2 epochs)', model: '/store/objects/c.onnx', report: null });
  });

  it('nothing kept: says so instead of inventing a place', () => {
    expect(keptResult(undefined)).toBeNull();
    expect(keptResult({ outputs: {} })).toBeNull();
  });
});
