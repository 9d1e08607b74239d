import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadJobConfig, parseJobConfig } from '../../../core/config/load';
import { SlimflowError } from '../../../core/errors';

const minimal = {
  Global: {
    model: 'm.onnx',
    input_shape: [8, 3, 48, 192],
    calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 },
  },
};

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SlimflowError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('job config', () => {
  it('fills defaults for a minimal config', () => {
    const c = parseJobConfig(minimal);
    expect(c.Global.deploy).toEqual({ backend: 'onnxruntime-cpu', threads: 1, target_speedup: 0, max_accuracy_drop: 1 });
    // No PP-OCR default: a one-input model's input name comes from its graph.
    expect(c.Global.input_name).toBeUndefined();
  });

  it('names the key path and the allowed keys of an unknown key', () => {
    const msg = message(() => parseJobConfig({ ...minimal, QuantPost: { algo: 'abs_max', weigth_bits: 8 } }, 'job.yaml'));
    expect(msg).toMatch(/QuantPost\.weigth_bits: unknown key; allowed keys: .*weight_bits/);
    expect(msg).toMatch(/job\.yaml/);
  });

  it('names the key path of a wrong type and of a bad enum value', () => {
    const msg = message(() =>
      parseJobConfig({ Global: { ...minimal.Global, input_shape: 'big', deploy: { backend: 'tpu' } } }),
    );
    expect(msg).toMatch(/Global\.input_shape: .*expected array/);
    expect(msg).toMatch(/Global\.deploy\.backend: .*onnxruntime-cpu/);
  });

  it('checks the dataset spec inside the config', () => {
    const msg = message(() =>
      parseJobConfig({ Global: { ...minimal.Global, calibration_data: { kind: 'images', dir: 'd', preprocess: 'ppocr-cls', sise: 3 } } }),
    );
    expect(msg).toMatch(/Global\.calibration_data\.sise: unknown key; allowed keys: kind, dir, labels, preprocess/);
  });

  it('reports a YAML syntax error with file, line and column', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-cfg-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'Global:\n  model: [a, b\n  input_shape: 3\n');
    const msg = message(() => loadJobConfig(file));
    expect(msg).toMatch(/YAML syntax error/);
    expect(msg).toMatch(/bad\.yaml:\d+:\d+/);
  });

  it('loads the shipped default config', () => {
    const c = loadJobConfig(path.resolve(__dirname, '../../../configs/pp-ocr-cls.yaml'));
    expect(c.QuantPost?.algo).toBe('abs_max');
    expect(c.Global.input_shape).toEqual([8, 3, 48, 192]);
  });
});
