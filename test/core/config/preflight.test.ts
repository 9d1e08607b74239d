// The preflight lists every problem of a config, one per key, without running anything.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJobConfig } from '../../../core/config/load';
import { preflightConfig, problemLine } from '../../../core/config/preflight';
import { preflightPipelineInputs } from '../../../core/config/preflight-pipeline';
import { CLS_MODEL, ppocrModel } from '../../fixtures/models';

const cls = (count: number, seed = 1) => ({ kind: 'rendered-textlines', task: 'cls', count, seed });
const global = (over: Record<string, unknown> = {}) => ({
  model: ppocrModel(CLS_MODEL), input_name: 'x', input_shape: [8, 3, 48, 192], task: 'ocr-cls', calibration_data: cls(16), ...over,
});
const check = (raw: Record<string, unknown>) => preflightConfig(parseJobConfig(raw, 'test'));

describe('preflightConfig', () => {
  it('passes a config that can run', async () => {
    expect(await check({ Global: global({ eval_data: cls(32, 2) }), QuantPost: { algo: 'minmax' } })).toEqual([]);
  });

  it('lists each problem once under its key: a wrong input name and a missing data folder together', async () => {
    const missing = path.join(os.tmpdir(), `sf-no-such-${process.pid}`);
    const problems = await check({ Global: global({ input_name: 'image', eval_data: { kind: 'images', dir: missing, preprocess: { height: 48, width: 192 } } }) });
    expect(problems.map((p) => p.key)).toEqual(['Global.input_name', 'Global.eval_data']);
    expect(problemLine(problems[0])).toBe('INVALID_CONFIG: Global.input_name: the model has no input "image"; its inputs are x');
    expect(problems[1]).toMatchObject({ code: 'NOT_FOUND', message: `data folder does not exist or cannot be read (at ${missing})` });
  });

  it('names Global.model when the file is missing or is not a model', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-preflight-'));
    const junk = path.join(dir, 'junk.onnx');
    fs.writeFileSync(junk, 'not a protobuf at all');
    const gone = await check({ Global: global({ model: path.join(dir, 'gone.onnx') }) });
    expect(gone).toEqual([{ code: 'NOT_FOUND', key: 'Global.model', message: `model file does not exist: ${path.join(dir, 'gone.onnx')}` }]);
    const bad = await check({ Global: global({ model: junk }) });
    expect(bad.map((p) => [p.code, p.key])).toEqual([['INVALID_MODEL', 'Global.model']]);
  });

  it('a shape of the wrong rank names the shape key', async () => {
    const p = await check({ Global: global({ input_shape: [8, 3, 48] }) });
    expect(p.map((x) => [x.code, x.key])).toEqual([['SHAPE_MISMATCH', 'Global.input_shape']]);
  });

  it('training asks for the samples it reads: TrainConfig.train_samples more than the data holds', async () => {
    const p = await check({ Global: global(), TrainConfig: { train_samples: 64 } });
    expect(p.map((x) => x.key)).toEqual(['Global.calibration_data']);
    expect(p[0].message).toMatch(/yielded 16 samples, the config asks for 64/);
    expect(await check({ Global: global(), TrainConfig: { train_samples: 16 } })).toEqual([]);
  });
});

describe('preflightPipelineInputs', () => {
  it("names a pipeline's model and dataset inputs that cannot be read", async () => {
    const decls = { model: { type: 'model' }, calib: { type: 'dataset' }, tolerance: { type: 'number', default: 1 } };
    expect(await preflightPipelineInputs(decls, { model: ppocrModel(CLS_MODEL), calib: cls(4) })).toEqual([]);
    const p = await preflightPipelineInputs(decls, { model: '/nowhere/m.onnx', calib: { kind: 'images', dir: '/nowhere/calib', preprocess: { height: 48, width: 192 } } });
    expect(p.map((x) => [x.code, x.key])).toEqual([['NOT_FOUND', 'inputs.model'], ['NOT_FOUND', 'inputs.calib']]);
  });
});
