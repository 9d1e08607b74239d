// The interpreter's own rules, driven by a plain async runStage (no Temporal involved here;
// run-pipeline.test.ts covers the same engine inside a real workflow).
import { describe, expect, it } from 'vitest';
import { compilePipeline, PipelineValidationError, StepFailure } from '../../core/pipeline';
import { interpretPipeline } from '../../workflows/interpreter';

const cp = compilePipeline({
  name: 'lat',
  inputs: { model: 'model', threads: { type: 'list<number>', default: [1, 2] } },
  steps: {
    lat: { stage: 'estimateLatency', forEach: { items: '${{ inputs.threads }}' }, with: { model: '${{ inputs.model }}', threads: '${{ item }}' } },
    refine: {
      stage: 'estimateLatency', needs: ['lat'],
      repeat: { max: 5, until: '${{ previous.latencyMs <= 2 }}' },
      with: { model: '${{ inputs.model }}', threads: '${{ 2 * (iteration + 1) }}' },
    },
  },
  outputs: { perThread: '${{ steps.lat.latencyMs }}', refined: '${{ steps.refine.latencyMs }}' },
});
const ref = { uri: 'file:///m.onnx', sha256: 'm', bytes: 1, kind: 'model' };

describe('interpretPipeline', () => {
  it('imports path inputs, runs fan-outs and repeats, and reports every state change', async () => {
    const started: string[] = [];
    let updates = 0;
    const result = await interpretPipeline(cp, { model: '/m.onnx' }, {
      runStage: async (stage, input, inst) => {
        started.push(inst.key);
        if (stage === 'importModel') return { model: { ...ref, uri: `file://${String(input.path)}` } };
        return { latencyMs: 8 / (input.threads as number), latency: { totalMs: 0 } };
      },
      onProgress: () => { updates += 1; },
    });
    expect(started).toEqual(['inputs.model', 'lat[0]', 'lat[1]', 'refine#0', 'refine#1']);
    expect(result.outputs).toEqual({ perThread: [8, 4], refined: 2 });
    expect(result.steps.refine).toEqual({ status: 'succeeded', result: { latencyMs: 2, latency: { totalMs: 0 } } });
    expect(updates).toBeGreaterThanOrEqual(5);
  });

  it('fails fast on the first failed instance, naming it, while siblings still run', async () => {
    const failing = interpretPipeline(cp, { model: ref, threads: [1, 2, 3] }, {
      runStage: async (_stage, input) => {
        if (input.threads === 2) throw new Error('no such core', { cause: new Error('hw says no') });
        await new Promise((r) => setTimeout(r, 50));
        return { latencyMs: 1, latency: { totalMs: 1 } };
      },
    });
    await expect(failing).rejects.toThrow(StepFailure);
    await expect(failing).rejects.toThrow('step "lat[1]" failed: estimateLatency: no such core: hw says no');
  });

  it('rejects bad job inputs together before running anything', async () => {
    let ran = false;
    const run = interpretPipeline(cp, { threads: 'many', extra: 1 }, { runStage: async () => { ran = true; return {}; } });
    await expect(run).rejects.toBeInstanceOf(PipelineValidationError);
    const err = (await run.catch((e: unknown) => e)) as PipelineValidationError;
    expect(err.errors.map((e) => e.path)).toEqual(['inputs.extra', 'inputs.model', 'inputs.threads']);
    expect(ran).toBe(false);
  });

  it('names the input whose import failed', async () => {
    const run = interpretPipeline(cp, { model: '/missing.onnx' }, { runStage: async () => { throw new Error('model file does not exist'); } });
    await expect(run).rejects.toThrow('step "inputs.model" failed: importing /missing.onnx: model file does not exist');
  });
});
