import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFleetManifest } from '../../../core/fleet/manifest';
import { resolveFleet } from '../../../core/fleet/resolve';
import { pipelineFleetKey } from '../../../core/fleet/pipeline-key';
import { pipelineJobReport } from '../../../core/fleet/pipeline-report';
import type { FleetEntry } from '../../../core/fleet/types';
import type { Candidate } from '../../../core/pipeline/types';

const repo = path.resolve(__dirname, '..', '..', '..');
const EXAMPLE = path.join(repo, 'configs', 'fleet-ptq-pipeline.yaml');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sf-fleet-pipeline-'));

// A folder with a model file, an npy set and a copy of the example fleet pipeline.
function workspace() {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'm.onnx'), 'model-bytes-1');
  fs.mkdirSync(path.join(dir, 'npy'));
  fs.writeFileSync(path.join(dir, 'npy', 'a.npy'), 'data-1');
  fs.copyFileSync(EXAMPLE, path.join(dir, 'p.yaml'));
  return dir;
}

const resolveOne = (dir: string, entry: Record<string, unknown>, defaults: Record<string, unknown> = {}) =>
  resolveFleet(parseFleetManifest({ defaults, models: [{ name: 'm', ...entry }] }), dir).entries[0];

const cand = (label: string, sha: string, latencyMs: number, accuracy: number | null, agreement = 100): Candidate => ({
  label, model: { uri: `store://${sha}`, sha256: sha, bytes: 10, kind: 'model' } as Candidate['model'], accuracy, agreement, cosine: 99, latencyMs, sizeBytes: 100,
});

describe('fleet entries given as a pipeline', () => {
  it('are accepted by the manifest; a config and a pipeline together are not', () => {
    expect(parseFleetManifest({ models: [{ name: 'a', pipeline: 'p.yaml', model: 'm.onnx' }] }).models[0].pipeline).toBe('p.yaml');
    expect(parseFleetManifest({ defaults: { pipeline: 'p.yaml' }, models: [{ name: 'a', model: 'm.onnx' }] }).defaults.pipeline).toBe('p.yaml');
    expect(() => parseFleetManifest({ models: [{ name: 'a', pipeline: 'p.yaml', config: 'c.yaml' }] })).toThrow(/models\[0\]\.pipeline: give a config or a pipeline, not both/);
    expect(() => parseFleetManifest({ models: [{ name: 'a', config: 'c.yaml', inputs: { tolerance: 2 } }] })).toThrow(/models\[0\]\.inputs: inputs are for pipeline entries/);
  });

  it('resolve to runPipeline inputs with absolute paths; an entry with its own config ignores the default pipeline', () => {
    const dir = workspace();
    const e = resolveOne(dir, { model: 'm.onnx', data: { calibration: { kind: 'npy', dir: 'npy' } }, inputs: { tolerance: 2 } }, {
      pipeline: 'p.yaml', data: { eval: { kind: 'rendered-textlines', task: 'cls', count: 8, seed: 1 } }, deploy: { threads: 2, max_accuracy_drop: 3 },
    });
    expect(e.error).toBeUndefined();
    expect(e.config).toBeUndefined();
    expect(e.pipeline!.source).toBe(path.join(dir, 'p.yaml'));
    expect(e.pipeline!.inputs).toMatchObject({ model: path.join(dir, 'm.onnx'), calib: { kind: 'npy', dir: path.join(dir, 'npy') }, eval: { kind: 'rendered-textlines', count: 8 }, tolerance: 2 });
    expect(e.pipeline!.threads).toBe(2);
    expect(e.acceptance.max_accuracy_drop).toBe(3);
    const own = resolveOne(dir, { model: 'm.onnx', config: { Global: { input_shape: [1], calibration_data: { kind: 'npy', dir: 'npy' } } } }, { pipeline: 'p.yaml' });
    expect(own.pipeline).toBeUndefined();
    expect(own.config!.Global.model).toBe(path.join(dir, 'm.onnx'));
  });

  it('turn a pipeline that cannot run into that entry’s error, before anything runs', () => {
    const dir = workspace();
    const calib = { data: { calibration: { kind: 'npy', dir: 'npy' }, eval: { kind: 'npy', dir: 'npy' } } };
    expect(resolveOne(dir, { pipeline: 'p.yaml', ...calib }).error).toMatch(/needs "model"/);
    expect(resolveOne(dir, { pipeline: 'nope.yaml', model: 'm.onnx', ...calib }).error).toMatch(/pipeline file does not exist/);
    expect(resolveOne(dir, { pipeline: 'p.yaml', model: 'm.onnx', ...calib, inputs: { colour: 'red' } }).error).toMatch(/unknown job input "colour"/);
    expect(resolveOne(dir, { pipeline: 'p.yaml', model: 'm.onnx', data: { eval: { kind: 'npy', dir: 'npy' } } }).error).toMatch(/job input "calib" \(dataset\) is required/);
    const noBaseline = fs.readFileSync(EXAMPLE, 'utf8').replace(/\n {2}baseline: "\$\{\{ steps\.timing\.baseline \}\}"/, '');
    fs.writeFileSync(path.join(dir, 'q.yaml'), noBaseline);
    expect(resolveOne(dir, { pipeline: 'q.yaml', model: 'm.onnx', ...calib }).error).toMatch(/must output best and baseline.*missing: baseline/);
    fs.writeFileSync(path.join(dir, 'r.yaml'), 'name: r\nsteps:\n  a: { stage: noSuchStage }\n');
    expect(resolveOne(dir, { pipeline: 'r.yaml', model: 'm.onnx', ...calib }).error).toMatch(/noSuchStage/);
  });

  it('have a content key over the pipeline bytes, model bytes, data files and inputs, not their paths', () => {
    const dir = workspace();
    const entry = { pipeline: 'p.yaml', model: 'm.onnx', data: { calibration: { kind: 'npy', dir: 'npy' }, eval: { kind: 'npy', dir: 'npy' } } };
    const key = () => pipelineFleetKey(resolveOne(dir, entry).pipeline!, '1.0.0').key;
    const base = key();
    expect(key()).toBe(base);
    expect(pipelineFleetKey(resolveOne(dir, entry).pipeline!, '1.0.1').key).not.toBe(base);
    expect(pipelineFleetKey(resolveOne(dir, { ...entry, inputs: { tolerance: 2 } }).pipeline!, '1.0.0').key).not.toBe(base);
    // Bytes count, even a comment: the pipeline file is what a person reads to reproduce the result.
    fs.appendFileSync(path.join(dir, 'p.yaml'), '# retuned\n');
    const edited = key();
    expect(edited).not.toBe(base);
    fs.writeFileSync(path.join(dir, 'm.onnx'), 'model-bytes-2');
    const retrained = key();
    expect(retrained).not.toBe(edited);
    fs.writeFileSync(path.join(dir, 'npy', 'a.npy'), 'data-2');
    expect(key()).not.toBe(retrained);
    // The same files elsewhere: the same key.
    const moved = tmp();
    fs.cpSync(dir, moved, { recursive: true });
    expect(pipelineFleetKey(resolveOne(moved, entry).pipeline!, '1.0.0').key).toBe(key());
  });

  it('report speedup and accuracy drop from the baseline and best outputs', () => {
    const dir = workspace();
    const entry = resolveOne(dir, { pipeline: 'p.yaml', model: 'm.onnx', data: { calibration: { kind: 'npy', dir: 'npy' }, eval: { kind: 'npy', dir: 'npy' } }, acceptance: { max_accuracy_drop: 0.5, min_speedup: 1.2 } }) as FleetEntry;
    expect(entry.error).toBeUndefined();
    const baseline = cand('fp32', 'a', 12, 98);
    const other = cand('int8 avg', 'c', 9, 96);
    const best = cand('int8 abs_max', 'b', 8, 97.5);
    const r = pipelineJobReport(entry, { baseline, best, candidates: [other, best] }, '/stage/model.onnx');
    expect(r.speedup).toBeCloseTo(12 / 8, 10);
    expect(r.accuracyDrop).toBeCloseTo(0.5, 10);
    expect(r.best.modelPath).toBe('/stage/model.onnx');
    expect(r.candidates.map((c) => c.label)).toEqual(['int8 avg', 'int8 abs_max']);
    expect(r.inputShape).toEqual([8, 3, 48, 192]);
    expect(r.target).toEqual({ maxAccuracyDrop: 0.5, targetSpeedup: 1.2, met: true });
    expect(pipelineJobReport(entry, { baseline, best }, '/x').candidates.map((c) => c.label)).toEqual(['int8 abs_max']);
    expect(() => pipelineJobReport(entry, { best }, '/x')).toThrow(/output "baseline" must be a candidate/);
  });
});
