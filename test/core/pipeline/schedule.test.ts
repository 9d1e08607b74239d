import { describe, expect, it } from 'vitest';
import {
  advance, CompiledPipeline, initialState, isFinished, pipelineOutputs, progressOf, recordResult, RunState, StepFailure, StepInstance,
} from '../../../core/pipeline';
import { STAGES } from '../../../core/pipeline/catalog';
import { compiled } from './helpers';

const model = { uri: 'file:///m.onnx', sha256: 'm', bytes: 1, kind: 'model' };
const inputs = { model, calib: { dir: 'c' }, eval: { dir: 'e' }, tolerance: 1 };

// Run the scheduler to the end with a synchronous fake stage, returning each wave of started keys.
function drive(cp: CompiledPipeline, stage: (i: StepInstance) => Record<string, unknown>): { waves: string[][]; state: RunState } {
  let state = initialState(cp, inputs);
  const waves: string[][] = [];
  for (;;) {
    const next = advance(cp, state);
    state = next.state;
    if (next.ready.length === 0) break;
    waves.push(next.ready.map((r) => r.key));
    for (const inst of next.ready) state = recordResult(cp, state, inst, stage(inst));
  }
  return { waves, state };
}

describe('scheduler', () => {
  it('starts every ready step at once, fanning out a matrix as step[i]', () => {
    const cp = compiled({
      teacher: { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' } },
      ptq: {
        stage: 'ptqTrial',
        forEach: { matrix: { calibrator: ['abs_max', 'avg'], perChannel: [true, false] } },
        with: { model: '${{ inputs.model }}', calib: '${{ inputs.calib }}', ptq: '${{ item }}' },
      },
    });
    const { ready, state } = advance(cp, initialState(cp, inputs));
    expect(ready.map((r) => r.key)).toEqual(['teacher', 'ptq[0]', 'ptq[1]', 'ptq[2]', 'ptq[3]']);
    expect(ready.slice(1).map((r) => r.input.ptq)).toEqual([
      { calibrator: 'abs_max', perChannel: true }, { calibrator: 'abs_max', perChannel: false },
      { calibrator: 'avg', perChannel: true }, { calibrator: 'avg', perChannel: false },
    ]);
    expect(ready[1].input).toMatchObject({ model, calib: { dir: 'c' } });
    expect(state.steps.ptq).toEqual({ status: 'running', results: [null, null, null, null] });
  });

  it('collects fan-out outputs as lists in item order and fans out again over them', () => {
    const cp = compiled({
      teacher: { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' } },
      ptq: { stage: 'ptqTrial', forEach: { items: ['a', 'b', 'c'] }, with: { model: '${{ inputs.model }}', calib: '${{ inputs.calib }}', ptq: { calibrator: '${{ item }}' } } },
      check: {
        stage: 'validateCandidate', forEach: { items: '${{ steps.ptq.model }}' },
        with: { model: '${{ item }}', teacher: '${{ steps.teacher.teacher }}', eval: '${{ inputs.eval }}', label: 'c${{ index }}-${{ item.uri }}' },
      },
    }, { outputs: { models: '${{ steps.ptq.model }}', keys: '${{ steps.ptq.trialKey }}' } });
    const seen: StepInstance[] = [];
    const { waves, state } = drive(cp, (i) => {
      seen.push(i);
      if (i.stage === 'cloneTeacher') return { teacher: { ...model, uri: 'teacher' } };
      if (i.stage === 'ptqTrial') return { model: { ...model, uri: `q-${(i.input.ptq as { calibrator: string }).calibrator}` }, trialKey: 'k', calibration: {} };
      return { candidate: { label: i.input.label }, accuracy: 1, agreement: 1, latencyMs: 1, sizeBytes: 1 };
    });
    expect(waves).toEqual([['teacher', 'ptq[0]', 'ptq[1]', 'ptq[2]'], ['check[0]', 'check[1]', 'check[2]']]);
    expect(seen.filter((i) => i.stepId === 'check').map((i) => i.input.label)).toEqual(['c0-q-a', 'c1-q-b', 'c2-q-c']);
    expect(state.steps.check.outputs!.candidate).toEqual([{ label: 'c0-q-a' }, { label: 'c1-q-b' }, { label: 'c2-q-c' }]);
    expect(isFinished(state)).toBe(true);
    expect((pipelineOutputs(cp, state).models as Array<{ uri: string }>).map((m) => m.uri)).toEqual(['q-a', 'q-b', 'q-c']);
  });

  it('skips a step whose when is false, and its dependents, with reasons', () => {
    const cp = compiled({
      lat: { stage: 'estimateLatency', with: { model: '${{ inputs.model }}' } },
      slow: { stage: 'analyzeGraph', when: '${{ steps.lat.latencyMs > 10 }}', with: { model: '${{ inputs.model }}' } },
      after: { stage: 'cloneTeacher', needs: ['slow'], with: { model: '${{ inputs.model }}' } },
      fast: { stage: 'cloneTeacher', when: 'steps.lat.latencyMs <= 10', with: { model: '${{ inputs.model }}' } },
    }, { outputs: { analysis: '${{ steps.slow.analysis }}' } });
    const { waves, state } = drive(cp, (i) => (i.stage === 'estimateLatency' ? { latencyMs: 4, latency: { totalMs: 4 } } : { teacher: model }));
    expect(waves).toEqual([['lat'], ['fast']]);
    expect(state.steps.slow).toEqual({ status: 'skipped', reason: 'when is false: ${{ steps.lat.latencyMs > 10 }}' });
    expect(state.steps.after).toEqual({ status: 'skipped', reason: 'upstream step "slow" was skipped' });
    expect(pipelineOutputs(cp, state)).toEqual({ analysis: null });
    expect(progressOf(cp, state)).toMatchObject({ stage: 'done', percent: 100 });
  });

  it('finishes an empty fan-out at once with empty lists', () => {
    const cp = compiled({
      ptq: { stage: 'ptqTrial', forEach: { items: [] }, with: { model: '${{ inputs.model }}', calib: '${{ inputs.calib }}' } },
      after: { stage: 'cloneTeacher', forEach: { items: '${{ steps.ptq.model }}' }, with: { model: '${{ item }}' } },
    });
    const { state, ready } = advance(cp, initialState(cp, inputs));
    expect(ready).toEqual([]);
    expect(state.steps.ptq.outputs).toEqual({ model: [], trialKey: [], label: [], calibration: [], trial: [] });
    expect(state.steps.after.outputs).toEqual({ teacher: [] });
  });

  it('repeats until the condition holds, each iteration seeing the previous outputs', () => {
    const cp = compiled({
      lat: {
        stage: 'estimateLatency',
        repeat: { max: 10, until: '${{ previous.latencyMs < 2 }}' },
        with: { model: '${{ inputs.model }}', threads: '${{ iteration + 1 }}', input: { last: '${{ previous.latencyMs }}' } },
      },
    });
    const inputsSeen: unknown[] = [];
    const { waves, state } = drive(cp, (i) => {
      inputsSeen.push(i.input);
      return { latencyMs: 8 / (i.input.threads as number), latency: { totalMs: 0 } };
    });
    expect(waves).toEqual([['lat#0'], ['lat#1'], ['lat#2'], ['lat#3'], ['lat#4']]);
    expect(inputsSeen.slice(0, 2)).toEqual([{ model, threads: 1, input: { last: null } }, { model, threads: 2, input: { last: 8 } }]);
    expect(state.steps.lat).toMatchObject({ status: 'succeeded', outputs: { latencyMs: 1.6 }, iteration: 4 });
  });

  it('stops a repeat after max iterations even if until never holds', () => {
    const cp = compiled({ lat: { stage: 'estimateLatency', repeat: { max: 3, until: 'false' }, with: { model: '${{ inputs.model }}' } } });
    const { waves, state } = drive(cp, () => ({ latencyMs: 5, latency: { totalMs: 5 } }));
    expect(waves).toHaveLength(3);
    expect(state.steps.lat.status).toBe('succeeded');
  });

  it('waits for needs without data and fails a step whose forEach list is not a list at run time', () => {
    const cp = compiled({
      a: { stage: 'analyzeGraph', with: { model: '${{ inputs.model }}' } },
      b: { stage: 'cloneTeacher', needs: ['a'], forEach: { items: '${{ steps.a.analysis.layers }}' }, with: { model: '${{ inputs.model }}' } },
    });
    const first = advance(cp, initialState(cp, inputs));
    expect(first.ready.map((r) => r.key)).toEqual(['a']);
    const after = recordResult(cp, first.state, first.ready[0], { analysis: { layers: 3 } });
    expect(() => advance(cp, after)).toThrow(StepFailure);
    expect(() => advance(cp, after)).toThrow(/step "b" failed: forEach.items is not a list/);
  });

  it('reports progress by instance while a fan-out runs', () => {
    const cp = compiled({
      v: {
        stage: 'validateCandidate', forEach: { items: ['x', 'y'] },
        with: { model: '${{ inputs.model }}', teacher: '${{ inputs.model }}', eval: '${{ inputs.eval }}', label: '${{ item }}' },
      },
    });
    const { state, ready } = advance(cp, initialState(cp, inputs));
    const cand = { label: 'x', model, accuracy: 80, agreement: 90, cosine: 100, latencyMs: 3, sizeBytes: 10 };
    const half = recordResult(cp, state, ready[0], { candidate: cand, accuracy: 80, agreement: 90, latencyMs: 3, sizeBytes: 10 });
    expect(progressOf(cp, half)).toEqual({
      stage: 'v (validateCandidate)', percent: 50,
      best: { label: 'x', accuracy: 80, agreement: 90, latencyMs: 3 },
      steps: { v: { status: 'running', done: 1, total: 2, share: 100 } },
    });
  });

  it('shows the job\'s answer (its best output) as the best once it has one, not a later selectBest over a subset', () => {
    const validate = (label: string) => ({ stage: 'validateCandidate', with: { model: '${{ inputs.model }}', teacher: '${{ inputs.model }}', eval: '${{ inputs.eval }}', label } });
    const cp = compiled({
      fp32: validate('fp32 rewritten'),
      q: validate('int8'),
      best: { stage: 'selectBest', with: { candidates: ['${{ steps.fp32.candidate }}', '${{ steps.q.candidate }}'] } },
      int8: { stage: 'selectBest', with: { candidates: ['${{ steps.q.candidate }}'] } },
    }, { outputs: { best: '${{ steps.best.best }}', int8: '${{ steps.int8.best }}' } });
    const { state } = drive(cp, (i) => {
      if (i.stage === 'selectBest') return STAGES.selectBest.evaluate!(i.input);
      const label = String(i.input.label);
      const c = { label, model, accuracy: 98, agreement: 100, cosine: 100, latencyMs: label === 'int8' ? 9 : 7, sizeBytes: 10 };
      return { candidate: c, accuracy: c.accuracy, agreement: c.agreement, latencyMs: c.latencyMs, sizeBytes: c.sizeBytes };
    });
    expect(isFinished(state)).toBe(true);
    expect((pipelineOutputs(cp, state).best as { label: string }).label).toBe('fp32 rewritten');
    expect(progressOf(cp, state).best?.label).toBe('fp32 rewritten');
  });

  it('weighs steps by their stage\'s cost: a validation moves the percent far more than a selectBest', () => {
    const cp = compiled({
      v: { stage: 'validateCandidate', with: { model: '${{ inputs.model }}', teacher: '${{ inputs.model }}', eval: '${{ inputs.eval }}' } },
      pick: { stage: 'selectBest', with: { candidates: ['${{ steps.v.candidate }}'] } },
    });
    const { state, ready } = advance(cp, initialState(cp, inputs));
    const cand = { label: 'x', model, accuracy: 80, agreement: 90, cosine: 100, latencyMs: 3, sizeBytes: 10 };
    const afterV = recordResult(cp, state, ready[0], { candidate: cand, accuracy: 80, agreement: 90, latencyMs: 3, sizeBytes: 10 });
    const p = progressOf(cp, afterV);
    // Two steps, one done: by step count 50 %; by cost (validateCandidate 4, selectBest 0.05) 99 %.
    expect(p.percent).toBeGreaterThan(95);
    expect(p.steps.v.share! + p.steps.pick.share!).toBeCloseTo(100, 9);
    expect(p.steps.v.share!).toBeGreaterThan(p.steps.pick.share! * 50);
  });
});
