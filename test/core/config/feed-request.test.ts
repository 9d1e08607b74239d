import { describe, expect, it } from 'vitest';
import { compileConfig } from '../../../core/config/compile';
import { batchSizeFor, bindRequest, configBatchSize, feedRequestOf, inputPortOf, resolveFeed } from '../../../core/config/feed-request';
import { parseJobConfig, parseYaml } from '../../../core/config/load';
import { SlimflowError } from '../../../core/errors';
import type { GraphInput } from '../../../core/feed';
import { loadPipeline } from '../../../core/pipeline';
import { taskMetricNames } from '../../../core/metrics';

/** The config of the issue: a sentence encoder with two int64 inputs, its embedding output, npz data. */
const MINILM = `
Global:
  model: minilm.onnx
  inputs: { input_ids: { shape: [8, 128] }, attention_mask: { shape: [8, 128] } }
  output: sentence_embedding
  task: embedding
  calibration_data: { kind: npz, files: [calib.npz] }
  eval_data: { kind: npz, files: [eval.npz] }
`;

const rendered = { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 1 };
const encoderGraph: GraphInput[] = [
  { name: 'input_ids', dtype: 'int64', dims: ['batch', 'sequence'] },
  { name: 'attention_mask', dtype: 'int64', dims: ['batch', 'sequence'] },
];

/** The SlimflowError a function throws. */
function thrown(fn: () => unknown): SlimflowError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SlimflowError) return e;
    throw e;
  }
  throw new Error('expected a SlimflowError');
}

describe('Global.inputs and Global.output: the feed a config asks for', () => {
  it('parses and compiles the multi-input embedding config: the input port carries every batch shape, the output and the task', () => {
    const config = parseJobConfig(parseYaml(MINILM, 'minilm.yaml'));
    expect(config.Global.inputs).toEqual({ input_ids: { shape: [8, 128] }, attention_mask: { shape: [8, 128] } });
    const doc = compileConfig(config);
    loadPipeline(doc);
    const port = (doc.inputs as Record<string, { default?: unknown }>).input.default;
    expect(port).toEqual({ inputs: { input_ids: [8, 128], attention_mask: [8, 128] }, output: 'sentence_embedding', threads: 1, task: 'embedding' });
    // Batch size comes from the feed: the first dim of the first input.
    expect(configBatchSize(config.Global)).toBe(8);
    expect((doc.steps.ptq as { forEach: { items: { batchSize: number }[] } }).forEach.items[0].batchSize).toBe(8);
  });

  it('reads the one-input shorthand into the same description, and keeps name/shape in the port for recorded histories', () => {
    const config = parseJobConfig({ Global: { model: 'm.onnx', input_name: 'x', input_shape: [4, 3, 48, 192], task: 'ocr-cls', calibration_data: rendered } });
    expect(feedRequestOf(config.Global)).toEqual({ inputs: { x: [4, 3, 48, 192] }, where: 'Global.input_shape' });
    expect(inputPortOf(config.Global)).toEqual({ inputs: { x: [4, 3, 48, 192] }, name: 'x', shape: [4, 3, 48, 192], threads: 1, task: 'ocr-cls' });
    expect(configBatchSize(config.Global)).toBe(4);
  });

  it('takes a nameless shorthand shape for the graph\'s single input, and refuses it for a model with two', () => {
    const config = parseJobConfig({ Global: { model: 'm.onnx', input_shape: [2, 3, 8, 8], calibration_data: rendered } });
    const request = feedRequestOf(config.Global);
    expect(bindRequest([{ name: 'pixel_values', dtype: 'float32', dims: ['n', 3, 8, 8] }], request)).toEqual([{ name: 'pixel_values', dtype: 'float32', shape: [2, 3, 8, 8] }]);
    const e = thrown(() => bindRequest(encoderGraph, request));
    expect(e.path).toBe('Global.input_shape');
    expect(e.message).toMatch(/2 inputs \(input_ids, attention_mask\)/);
  });

  it('refuses both forms at once, naming the keys', () => {
    const e = thrown(() => parseJobConfig({ Global: { model: 'm.onnx', inputs: { a: { shape: [1, 2] } }, input_shape: [1, 2], calibration_data: rendered } }));
    expect(e.message).toMatch(/Global\.input_shape: give either Global\.inputs or the one-input shorthand/);
  });

  it('accepts exactly the tasks of the metric registry, and a detection block for task detection', () => {
    for (const task of taskMetricNames()) expect(parseJobConfig({ Global: { model: 'm.onnx', task, calibration_data: rendered } }).Global.task).toBe(task);
    const e = thrown(() => parseJobConfig({ Global: { model: 'm.onnx', task: 'no-such-task', calibration_data: rendered } }));
    expect(e.message).toMatch(/Global\.task: unknown task "no-such-task"; known tasks: classification/);
    const bad = thrown(() => parseJobConfig({ Global: { model: 'm.onnx', task: 'classification', detection: { format: 'yolov8' }, calibration_data: rendered } }));
    expect(bad.message).toMatch(/Global\.detection: .*task "detection"/);
  });

  it('parses the detection block of the issue with the detection metric\'s own schema and carries it in the port', () => {
    const config = parseJobConfig(parseYaml(`
Global:
  model: yolov8n.onnx
  input_shape: [8, 3, 320, 320]
  task: detection
  detection: { format: yolov8, score_threshold: 0.25, iou_threshold: 0.45 }
  calibration_data: { kind: npz, files: [calib.npz] }
`, 'yolo.yaml'));
    const port = inputPortOf(config.Global);
    expect(port.taskParams).toMatchObject({ format: 'yolov8', score_threshold: 0.25, iou_threshold: 0.45 });
    const e = thrown(() => parseJobConfig({ Global: { model: 'm.onnx', task: 'detection', detection: { format: 'yolov3' }, calibration_data: rendered } }));
    expect(e.message).toMatch(/Global\.detection\.format/);
  });

  it('binds a request to the graph: a dynamic input left out, a wrong rank and an unknown output each name the input and the key', () => {
    const ids = { input_ids: [8, 128] };
    const missing = thrown(() => bindRequest(encoderGraph, { inputs: ids, where: 'Global.inputs' }));
    expect(missing.path).toBe('Global.inputs.attention_mask.shape');
    expect(missing.message).toMatch(/input "attention_mask" has dynamic dims \[batch, sequence\]/);
    const rank = thrown(() => bindRequest(encoderGraph, { inputs: { ...ids, attention_mask: [8, 128, 1] }, where: 'Global.inputs' }));
    expect(rank.code).toBe('SHAPE_MISMATCH');
    expect(rank.path).toBe('Global.inputs.attention_mask.shape');
    const output = thrown(() => resolveFeed(encoderGraph, ['last_hidden_state'], { inputs: { ...ids, attention_mask: [8, 128] }, output: 'sentence_embedding', where: 'Global.inputs' }, 1));
    expect(output.path).toBe('Global.output');
    const feed = resolveFeed(encoderGraph, ['last_hidden_state', 'sentence_embedding'], { inputs: { ...ids, attention_mask: [8, 128] }, where: 'Global.inputs' }, 2);
    expect(feed).toEqual({ inputs: [{ name: 'input_ids', dtype: 'int64', shape: [8, 128] }, { name: 'attention_mask', dtype: 'int64', shape: [8, 128] }], output: 'last_hidden_state', threads: 2 });
  });

  it('names Global.input_name when the shorthand names an input the model does not have', () => {
    const e = thrown(() => bindRequest([{ name: 'x', dtype: 'float32', dims: ['n', 3, 8, 8] }], { inputs: { image: [1, 3, 8, 8] }, where: 'Global.input_shape' }));
    expect(e.path).toBe('Global.input_name');
    expect(e.message).toMatch(/no input "image"; its inputs are x \(at Global\.input_name\)$/);
  });

  it('lets a graph that fixes the batch dim of every input decide the batch size of a stage', () => {
    expect(batchSizeFor(encoderGraph, 8)).toBe(8);
    expect(batchSizeFor([{ name: 'x', dtype: 'float32', dims: [1, 3, 224, 224] }], 8)).toBe(1);
    // One dynamic batch dim among fixed ones: the requested size (the fixed input would reject it anyway).
    expect(batchSizeFor([{ name: 'a', dtype: 'float32', dims: [1, 4] }, { name: 'b', dtype: 'float32', dims: ['n', 4] }], 8)).toBe(8);
  });
});
