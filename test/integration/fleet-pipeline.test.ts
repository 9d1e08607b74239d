// A fleet entry given as a pipeline instead of a config: the fleet runs it as a runPipeline child,
// publishes it like any other model, skips it when nothing changed, redoes it when the pipeline
// file's bytes change, and keeps `latest` where it was when the new result misses its thresholds.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLatest } from '../../core/fleet/registry';
import type { FleetSummary, VersionRecord } from '../../core/fleet/types';
import { Harness, startHarness, tmpDir } from './harness';
import { testTemporal } from './setup/server';
import { modelVariant, publishes, recordFleetHistory } from './fleet-support';

const repo = path.resolve(__dirname, '..', '..');

let h: Harness;
beforeAll(async () => {
  h = await startHarness('fleet-pipeline');
});
afterAll(async () => {
  await h?.stop();
});

function writeManifest(dir: string, minSpeedup: number): string {
  const manifest = {
    name: 'pipe',
    registry: path.join(dir, 'registry'),
    models: [{
      name: 'cls-pipe',
      pipeline: path.join(dir, 'pipeline.yaml'),
      model: path.join(dir, 'models', 'cls.onnx'),
      data: {
        calibration: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 11 },
        eval: { kind: 'rendered-textlines', task: 'cls', count: 32, seed: 12 },
      },
      inputs: { tolerance: 10 },
      acceptance: { max_accuracy_drop: 10, min_speedup: minSpeedup },
    }],
  };
  const file = path.join(dir, 'fleet.yaml');
  fs.writeFileSync(file, yaml.dump(manifest));
  return file;
}

describe('fleet entry given as a pipeline', () => {
  it('runs runPipeline, publishes, skips when unchanged and redoes it when the pipeline changes', async () => {
    const { address, namespace } = testTemporal();
    const dir = tmpDir('fleet-pipeline');
    modelVariant(path.join(dir, 'models', 'cls.onnx'), 'pipe1');
    fs.copyFileSync(path.join(repo, 'configs', 'fleet-ptq-pipeline.yaml'), path.join(dir, 'pipeline.yaml'));
    const manifestPath = writeManifest(dir, 0.1);
    const modelRoot = path.join(dir, 'registry', 'cls-pipe');
    const run = async (n: number) => {
      const workflowId = `fleet-pipe-${n}-${path.basename(dir)}`;
      const summary = (await h.client.workflow.execute('fleetRecompress', { taskQueue: h.taskQueue, workflowId, args: [{ manifestPath }] })) as FleetSummary;
      return { summary, workflowId };
    };

    const first = await run(1);
    expect(first.summary).toMatchObject({ compressed: ['cls-pipe'], skipped: [], failed: [], rejected: [] });
    const child = await h.client.workflow.getHandle(`${first.workflowId}/cls-pipe`).describe();
    expect(child.type).toBe('runPipeline');
    const latest = readLatest(modelRoot)!;
    for (const f of ['model.onnx', 'report.json', 'report.html', 'key.json']) expect(fs.existsSync(path.join(latest.dir, f)), f).toBe(true);
    const rec = JSON.parse(fs.readFileSync(path.join(latest.dir, 'key.json'), 'utf8')) as VersionRecord;
    expect(rec.parts).toMatchObject({ pipeline: expect.stringMatching(/^[0-9a-f]{64}$/), models: { model: expect.any(String) } });
    const report = JSON.parse(fs.readFileSync(path.join(latest.dir, 'report.json'), 'utf8'));
    expect(report.best.modelPath).toBe(path.join(latest.dir, 'model.onnx'));
    expect(report.candidates.length).toBe(2);
    expect(report.speedup).toBeCloseTo(report.baseline.latencyMs / report.best.latencyMs, 10);
    // The page to reproduce the result shows the pipeline that made it.
    expect(fs.readFileSync(path.join(latest.dir, 'report.html'), 'utf8')).toContain('fleet-ptq');

    const second = await run(2);
    expect(second.summary).toMatchObject({ compressed: [], skipped: ['cls-pipe'], failed: [], rejected: [] });

    // A changed pipeline is a new key; a result below the thresholds is published but `latest` stays.
    fs.appendFileSync(path.join(dir, 'pipeline.yaml'), '# tolerance retuned for this model\n');
    writeManifest(dir, 1000);
    const third = await run(3);
    expect(third.summary).toMatchObject({ compressed: [], skipped: [], failed: [], rejected: ['cls-pipe'] });
    expect(third.summary.outcomes[0].reason).toMatch(/min_speedup 1000/);
    expect(readLatest(modelRoot)!.key).toBe(latest.key);
    expect(publishes(path.join(dir, 'registry'), 'cls-pipe')).toHaveLength(2);
    await recordFleetHistory('pipeline-entry', first.workflowId, { address, namespace });
  }, 600_000);
});
