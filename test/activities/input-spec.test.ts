import { describe, expect, it } from 'vitest';
import { inputSpec } from '../../activities/input-spec';
import { SlimflowError } from '../../core/errors';

describe('inputSpec: the input port, as compiled today and as recorded histories carry it', () => {
  it('reads the port compileConfig writes: shapes by input name, the output, the task and its parameters', () => {
    const s = inputSpec({ inputs: { input_ids: [8, 128], attention_mask: [8, 128] }, output: 'emb', threads: 2, task: 'detection', taskParams: { format: 'yolov5' } });
    expect(s).toEqual({
      request: { inputs: { input_ids: [8, 128], attention_mask: [8, 128] }, output: 'emb', where: 'Global.inputs' },
      threads: 2, task: 'detection', taskParams: { format: 'yolov5' },
    });
  });

  it('reads a recorded {name, shape} port as the one-input shorthand, and a shorthand port compiled today the same way', () => {
    const recorded = inputSpec({ name: 'x', shape: [8, 3, 48, 192], threads: 1, task: 'ocr-cls' });
    expect(recorded.request).toEqual({ inputs: { x: [8, 3, 48, 192] }, where: 'Global.input_shape' });
    const compiled = inputSpec({ inputs: { x: [8, 3, 48, 192] }, name: 'x', shape: [8, 3, 48, 192], threads: 1, task: 'ocr-cls' });
    expect(compiled.request).toEqual(recorded.request);
    // A shape without a name is for the graph's single input.
    expect(inputSpec({ shape: [1, 3, 8, 8] }).request).toEqual({ inputs: {}, single: [1, 3, 8, 8], where: 'Global.input_shape' });
  });

  it('defaults to no shapes (taken from the graph or the data), one thread and top-1 classification, never to PP-OCR', () => {
    expect(inputSpec(undefined)).toEqual({ request: { inputs: {}, where: 'Global.inputs' }, threads: 1, task: 'classification' });
  });

  it('refuses shapes that are not positive integers, naming the key', () => {
    try {
      inputSpec({ inputs: { input_ids: [8, 0] } });
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(SlimflowError);
      expect((e as SlimflowError).path).toBe('Global.inputs.input_ids.shape');
    }
  });
});
