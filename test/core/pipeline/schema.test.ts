import { describe, expect, it } from 'vitest';
import { loadPipeline, PipelineValidationError } from '../../../core/pipeline';
import { problems, withSteps } from './helpers';

describe('pipeline schema', () => {
  it('names the key path of structural errors', () => {
    const errs = problems(withSteps({ a: { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' }, retries: 3 } }));
    expect(errs).toEqual([{ message: expect.stringContaining('unknown key(s) retries'), path: 'steps.a' }]);
  });

  it('reports a missing stage and a bad input type at their keys', () => {
    const errs = problems({ name: 'x', inputs: { m: { type: 'tensor' } }, steps: { a: { with: {} } } });
    expect(errs.map((e) => e.path)).toEqual(['inputs.m.type', 'steps.a.stage']);
    expect(errs[0].message).toMatch(/unknown type/);
  });

  it('requires exactly one of items / matrix and a bounded repeat', () => {
    const errs = problems(withSteps({
      a: { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' }, forEach: { items: [1], matrix: { k: [1] } } },
      b: { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' }, repeat: { max: 0, until: 'true' } },
    }));
    expect(errs.map((e) => e.path)).toEqual(['steps.a.forEach', 'steps.b.repeat.max']);
    expect(errs[0].message).toMatch(/exactly one of items or matrix/);
  });

  it('rejects step ids that would not parse inside a reference', () => {
    const errs = problems(withSteps({ 'my-step': { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' } } }));
    expect(errs[0].path).toBe('steps.my-step');
    expect(errs[0].message).toMatch(/letters, digits and _/);
  });

  it('indexes list positions in paths and accepts a single needs string', () => {
    const errs = problems(withSteps({ a: { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' }, needs: ['b', 7] } }));
    expect(errs).toEqual([{ message: expect.any(String), path: 'steps.a.needs[1]' }]);
    expect(problems(withSteps({
      a: { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' } },
      b: { stage: 'cloneTeacher', with: { model: '${{ inputs.model }}' }, needs: 'a' },
    }))).toEqual([]);
  });

  it('parses YAML text and reports YAML syntax errors with a line', () => {
    const yaml = 'name: y\ninputs: { model: model }\nsteps:\n  t: { stage: cloneTeacher, with: { model: "${{ inputs.model }}" } }\n';
    expect(loadPipeline(yaml).deps).toEqual({ t: [] });
    expect(() => loadPipeline('name: [unclosed\n')).toThrow(/not valid YAML.*line/);
  });

  it('throws one error listing every problem', () => {
    const doc = withSteps({ a: { stage: 'nope', with: {} }, b: { stage: 'alsoNope', with: {} } });
    try {
      loadPipeline(doc);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PipelineValidationError);
      const err = e as PipelineValidationError;
      expect(err.code).toBe('INVALID_PIPELINE');
      expect(err.errors).toHaveLength(2);
      expect(err.message).toMatch(/unknown stage "nope"[\s\S]*unknown stage "alsoNope"/);
    }
  });
});
