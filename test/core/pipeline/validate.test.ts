import { describe, expect, it } from 'vitest';
import { problems, withSteps } from './helpers';

const teacher = { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' } };
const one = (steps: Record<string, unknown>, extra?: Record<string, unknown>) => problems(withSteps(steps, extra));

describe('pipeline validation', () => {
  it('rejects an unknown stage, naming the step', () => {
    expect(one({ a: { stage: 'quantizeAll', with: {} } })).toEqual([
      { message: expect.stringMatching(/step "a": unknown stage "quantizeAll" \(stages: importModel, /), path: 'steps.a.stage' },
    ]);
  });

  it('accepts the training stages now that they run', () => {
    const errs = one({
      teacher,
      qat: { stage: 'trainEpoch', with: { model: '${{ inputs.model }}', teacher: '${{ steps.teacher.teacher }}', train: '${{ inputs.calib }}' } },
      strat: { stage: 'trainStrategy', with: { model: '${{ inputs.model }}', teacher: '${{ steps.teacher.teacher }}', train: '${{ inputs.calib }}' } },
    });
    expect(errs).toEqual([]);
  });

  it('rejects a missing required input and an unknown input port', () => {
    const errs = one({ ptq: { stage: 'ptqTrial', with: { model: '${{ inputs.model }}', calibration: '${{ inputs.calib }}' } } });
    expect(errs).toEqual([
      { message: expect.stringContaining('stage ptqTrial has no input "calibration" (inputs: model, calib, ptq, input)'), path: 'steps.ptq.with.calibration' },
      { message: expect.stringContaining('missing required input "calib" (dataset)'), path: 'steps.ptq.with.calib' },
    ]);
  });

  it('rejects references to missing steps, inputs and output ports', () => {
    const errs = one({
      teacher,
      a: { stage: 'validateCandidate', with: { model: '${{ steps.nothere.model }}', teacher: '${{ steps.teacher.model }}', eval: '${{ inputs.evalset }}' } },
    }, { outputs: { x: '${{ steps.a.best }}' } });
    expect(errs).toEqual([
      { message: expect.stringContaining('refers to a missing step "nothere"'), path: 'steps.a.with.model' },
      { message: expect.stringContaining('stage cloneTeacher has no output "model" (outputs: teacher)'), path: 'steps.a.with.teacher' },
      { message: expect.stringContaining('inputs.evalset is not a pipeline input'), path: 'steps.a.with.eval' },
      { message: expect.stringContaining('stage validateCandidate has no output "best"'), path: 'outputs.x' },
    ]);
  });

  it('rejects needs on a missing step', () => {
    expect(one({ a: { ...teacher, needs: ['ghost'] } })).toEqual([
      { message: 'step "a" needs a missing step "ghost" (at steps.a.needs[0])', path: 'steps.a.needs[0]' },
    ]);
  });

  it('reports a cycle with its path', () => {
    const errs = one({
      a: { stage: 'cloneTeacher', with: { model: '${{ steps.c.teacher }}' } },
      b: { stage: 'cloneTeacher', with: { model: '${{ steps.a.teacher }}' } },
      c: { stage: 'cloneTeacher', with: { model: '${{ steps.b.teacher }}' }, needs: [] },
      self: { ...teacher, needs: ['self'] },
    });
    expect(errs.map((e) => e.message)).toEqual([
      'cycle between steps: a → c → b → a (at steps.a)',
      'cycle between steps: self → self (at steps.self)',
    ]);
  });

  it('rejects type mismatches between outputs and input ports', () => {
    const errs = one({
      teacher,
      ptq: { stage: 'ptqTrial', forEach: { items: [{ calibrator: 'avg' }] }, with: { model: '${{ inputs.model }}', calib: '${{ inputs.model }}', ptq: '${{ item }}' } },
      check: { stage: 'validateCandidate', with: { model: '${{ steps.ptq.model }}', teacher: '${{ steps.teacher.teacher }}', eval: '${{ inputs.eval }}', label: 3 } },
    });
    expect(errs).toEqual([
      { message: expect.stringContaining('input calib of ptqTrial expects a dataset, got a model'), path: 'steps.ptq.with.calib' },
      { message: expect.stringContaining('expects a model, got a list<model>; fan out with forEach and pass ${{ item }}'), path: 'steps.check.with.model' },
      { message: expect.stringContaining('input label of validateCandidate expects a string, got a number'), path: 'steps.check.with.label' },
    ]);
  });

  it('types fields of candidates and models, and loosely inside json', () => {
    expect(one({
      teacher,
      v: { stage: 'validateCandidate', with: { model: '${{ inputs.model }}', teacher: '${{ steps.teacher.teacher }}', eval: '${{ inputs.eval }}' } },
      lat: { stage: 'estimateLatency', with: { model: '${{ steps.v.candidate.model }}', threads: '${{ steps.v.candidate.config.threads }}' } },
    })).toEqual([]);
    const errs = one({
      teacher,
      v: { stage: 'validateCandidate', with: { model: '${{ inputs.model }}', teacher: '${{ steps.teacher.teacher }}', eval: '${{ inputs.eval }}' } },
      lat: { stage: 'estimateLatency', with: { model: '${{ steps.v.candidate.label }}', threads: '${{ steps.teacher.teacher.size }}' } },
    });
    expect(errs.map((e) => e.message)).toEqual([
      expect.stringContaining('expects a model, got a string'),
      expect.stringContaining('steps.teacher.teacher.size: model has no field "size"'),
    ]);
  });

  it('rejects forEach over a non-list and item outside forEach', () => {
    const errs = one({
      teacher,
      a: { stage: 'cloneTeacher', forEach: { items: '${{ steps.teacher.teacher }}' }, with: { model: '${{ item }}' } },
      b: { stage: 'cloneTeacher', forEach: { matrix: { k: 3 } }, with: { model: '${{ inputs.model }}' } },
      c: { stage: 'cloneTeacher', with: { model: '${{ item }}' } },
    });
    expect(errs).toEqual([
      { message: expect.stringContaining('forEach needs a list, got a model'), path: 'steps.a.forEach.items' },
      { message: expect.stringContaining('matrix values must be a list, got a number'), path: 'steps.b.forEach.matrix.k' },
      { message: expect.stringContaining('"item" exists only in the "with" of a step that has forEach'), path: 'steps.c.with.model' },
    ]);
  });

  it('rejects invalid when / until expressions', () => {
    const errs = one({
      teacher,
      a: { ...teacher, when: '${{ steps.teacher.teacher > }}' },
      b: { ...teacher, when: '${{ steps.teacher.teacher }}' },
      c: { ...teacher, when: 'steps.teacher.teacher > 1' },
      d: { ...teacher, repeat: { max: 3, until: '${{ previous.nope == 1 }}' } },
      e: { ...teacher, when: '${{ previous.teacher == null }}' },
    });
    expect(errs).toEqual([
      { message: expect.stringContaining('invalid when expression: expression ends too early'), path: 'steps.a.when' },
      { message: expect.stringContaining('when must be a true/false expression, got a model'), path: 'steps.b.when' },
      { message: expect.stringContaining('cannot compare a model with a number'), path: 'steps.c.when' },
      { message: expect.stringContaining('stage cloneTeacher has no output "nope"'), path: 'steps.d.repeat.until' },
      { message: expect.stringContaining('"previous" exists only in the "with" or "until" of a step that has repeat'), path: 'steps.e.when' },
    ]);
  });

  it('rejects repeat combined with forEach and wrongly typed input defaults', () => {
    const errs = problems({
      name: 'x',
      inputs: { model: 'model', n: { type: 'number', default: 'ten' } },
      steps: { a: { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' }, forEach: { items: [1] }, repeat: { max: 2, until: 'true' } } },
    });
    expect(errs.map((e) => e.path)).toEqual(['inputs.n.default', 'steps.a.repeat']);
  });

  it('collects every error of a pipeline at once', () => {
    const errs = one({
      a: { stage: 'nope', with: {} },
      b: { stage: 'ptqTrial', with: { model: '${{ inputs.calib }}' } },
      c: { ...teacher, needs: ['zz'] },
    });
    expect(errs.length).toBe(4);
    expect(errs.every((e) => e.path?.startsWith('steps.'))).toBe(true);
  });
});
