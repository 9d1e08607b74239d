// How `slimflow profile --model` and `slimflow estimate` find the user's model's batch shapes: --shape
// flags, else a job config's Global.inputs, else the graph's own dims; a dynamic dim nobody fixed is one
// error naming the input and both ways out.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelAndFeed } from '../../../cli/model-feed';
import { SlimflowError } from '../../../core/errors';
import { encodeModel } from '../../../core/onnx/model-io';
import { tinyBert } from './transformer-fixture';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-model-feed-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const modelFile = path.join(dir, 'bert.onnx');
fs.writeFileSync(modelFile, encodeModel(tinyBert().model));

describe('the feed of a profiled or estimated model', () => {
  it('refuses dynamic dims without --shape or --config, naming the input and both ways to give its shape', () => {
    expect(() => modelAndFeed({ model: modelFile, shape: [] })).toThrowError(expect.objectContaining({
      name: SlimflowError.name,
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(/^input "input_ids" of bert\.onnx has dynamic dims \[batch, sequence\]: give its batch shape with --shape input_ids=<dims> \(one flag per dynamic input: input_ids, attention_mask\), or a job config whose Global\.inputs gives it \(--config\)/),
    }));
  });

  it('takes per-input --shape flags with the graph\'s element types', () => {
    const { inputs } = modelAndFeed({ model: modelFile, shape: ['input_ids=2,16', 'attention_mask=2,16'] });
    expect(inputs).toEqual([
      { name: 'input_ids', dtype: 'int64', shape: [2, 16] },
      { name: 'attention_mask', dtype: 'int64', shape: [2, 16] },
    ]);
  });

  it("takes the model and the shapes from a job config's Global section", () => {
    const config = path.join(dir, 'job.yaml');
    fs.writeFileSync(config, [
      'Global:',
      `  model: ${modelFile}`,
      '  inputs: { input_ids: { shape: [4, 12] }, attention_mask: { shape: [4, 12] } }',
      '  task: embedding',
      '  calibration_data: { kind: npz, files: [calib.npz] }',
      '',
    ].join('\n'));
    const { file, inputs } = modelAndFeed({ config, shape: [] });
    expect(file).toBe(modelFile);
    expect(inputs.map((i) => [i.name, i.shape])).toEqual([['input_ids', [4, 12]], ['attention_mask', [4, 12]]]);
    // A --shape flag given as well wins over the config.
    expect(modelAndFeed({ config, shape: ['input_ids=1,8', 'attention_mask=1,8'] }).inputs[0].shape).toEqual([1, 8]);
  });
});
