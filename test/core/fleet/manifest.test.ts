import { describe, expect, it } from 'vitest';
import { parseFleetManifest, parseFleetManifestYaml, withDefaults } from '../../../core/fleet/manifest';
import { checkAcceptance, resolveAcceptance } from '../../../core/fleet/acceptance';

const minimal = { models: [{ name: 'cls', config: 'configs/pp-ocr-cls.yaml' }] };

describe('fleet manifest', () => {
  it('fills defaults', () => {
    const m = parseFleetManifest(minimal);
    expect(m).toMatchObject({ name: 'fleet', registry: '.slimflow/registry', concurrency: 1 });
  });

  it('names the key path of every problem, with the allowed keys for an unknown one', () => {
    const bad = { concurrency: 0, models: [{ name: 'a b', config: 'x.yaml', acceptance: { max_drop: 1 } }, { name: 'c' }] };
    let msg = '';
    try {
      parseFleetManifest(bad, 'fleet.yaml');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('concurrency:');
    expect(msg).toContain('models[0].name: use letters');
    expect(msg).toMatch(/models\[0\]\.acceptance\.max_drop: unknown key; allowed keys: max_accuracy_drop, min_speedup/);
    expect(msg).toContain('models[1].config: each model needs a config');
    expect(msg).toContain('(at fleet.yaml)');
  });

  it('rejects duplicate names and reports YAML syntax errors with the line', () => {
    expect(() => parseFleetManifest({ models: [{ name: 'a', config: 'x' }, { name: 'a', config: 'y' }] })).toThrow(/duplicate model name "a"/);
    expect(() => parseFleetManifestYaml('models: [\n  - name: a', 'f.yaml')).toThrow(/f\.yaml:\d+/);
  });

  it('merges defaults into entries key by key (entry wins)', () => {
    const m = parseFleetManifest({
      defaults: { config: 'base.yaml', deploy: { threads: 2, max_accuracy_drop: 1 }, acceptance: { min_speedup: 1.2 } },
      models: [{ name: 'a', deploy: { max_accuracy_drop: 3 }, acceptance: { max_accuracy_drop: 0.5 } }],
    });
    const e = withDefaults(m, m.models[0]);
    expect(e.config).toBe('base.yaml');
    expect(e.deploy).toEqual({ threads: 2, max_accuracy_drop: 3 });
    expect(e.acceptance).toEqual({ min_speedup: 1.2, max_accuracy_drop: 0.5 });
  });
});

describe('acceptance', () => {
  const best = { agreement: 97 } as never;
  it('passes within thresholds and names each missed one with the measured value', () => {
    const a = resolveAcceptance({ min_speedup: 1.5 }, 1);
    expect(a).toEqual({ max_accuracy_drop: 1, min_speedup: 1.5 });
    expect(checkAcceptance({ accuracyDrop: 0.5, speedup: 2, best }, a)).toEqual({ passed: true, missed: [] });
    const r = checkAcceptance({ accuracyDrop: 2.25, speedup: 1.2, best }, a);
    expect(r.passed).toBe(false);
    expect(r.missed).toEqual(['accuracy drop 2.25 points > max_accuracy_drop 1', 'speedup 1.20x < min_speedup 1.5']);
  });
  it('uses teacher agreement when the eval set has no labels', () => {
    expect(checkAcceptance({ accuracyDrop: null, speedup: 2, best }, { max_accuracy_drop: 1, min_speedup: 1 }).missed).toEqual(['teacher-agreement loss 3.00 points > max_accuracy_drop 1']);
  });
});
