import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFleetManifest } from '../../../core/fleet/manifest';
import { loadFleet, resolveFleet } from '../../../core/fleet/resolve';

const base = { Global: { input_shape: [1, 3, 8, 8], calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 4, seed: 1 }, deploy: { threads: 1, max_accuracy_drop: 2 } } };

describe('resolving a fleet', () => {
  it('applies overrides before validation and makes every path absolute', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-resolve-'));
    const m = parseFleetManifest({
      registry: 'reg',
      defaults: { config: base, acceptance: { min_speedup: 1.1 } },
      models: [
        { name: 'a', model: 'models/a.onnx', deploy: { threads: 2 } },
        { name: 'b', model: 'models/b.onnx', output: 'elsewhere/b', acceptance: { max_accuracy_drop: 0.5 } },
      ],
    });
    const f = resolveFleet(m, dir);
    expect(f.registry).toBe(path.join(dir, 'reg'));
    const [a, b] = f.entries;
    expect(a.error).toBeUndefined();
    expect(a.config!.Global.model).toBe(path.join(dir, 'models/a.onnx'));
    expect(a.config!.Global.deploy).toMatchObject({ threads: 2, max_accuracy_drop: 2 });
    expect(a.modelRoot).toBe(path.join(dir, 'reg', 'a'));
    expect(a.acceptance).toEqual({ max_accuracy_drop: 2, min_speedup: 1.1 });
    expect(b.modelRoot).toBe(path.join(dir, 'elsewhere/b'));
    expect(b.acceptance).toEqual({ max_accuracy_drop: 0.5, min_speedup: 1.1 });
  });

  it('turns a broken entry into an error for that model only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-resolve-'));
    fs.writeFileSync(path.join(dir, 'fleet.yaml'), [
      'models:',
      '  - { name: missing, config: nope.yaml }',
      '  - { name: badkey, config: { Global: { model: m.onnx, input_shape: [1], calibration_data: { kind: npy, dir: d }, colour: red } } }',
      '  - { name: ok, config: { Global: { model: m.onnx, input_shape: [1], calibration_data: { kind: npy, dir: d } } } }',
    ].join('\n'));
    const f = loadFleet({ manifestPath: 'fleet.yaml', baseDir: dir });
    expect(f.entries[0].error).toMatch(/config file does not exist.*nope\.yaml/);
    expect(f.entries[1].error).toMatch(/Global\.colour: unknown key/);
    expect(f.entries[2].error).toBeUndefined();
  });

  it('fails the whole manifest on a schema error, naming the key path', () => {
    expect(() => loadFleet({ manifest: { models: [] } })).toThrow(/models: .*(at fleet input: manifest)/s);
  });
});
