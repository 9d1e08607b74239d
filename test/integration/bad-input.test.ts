// Bad input as a new user would bring it: each gets one clear error naming the problem, a
// non-retryable failure (the failing activity ran once), and no half-written output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { writeNpy } from '../../core/data';
import { activityLog, clsJob, Harness, leftoverTempFiles, startHarness, tmpDir } from './harness';
import { ppocrModel, CLS_MODEL } from '../fixtures/models';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '..', '..');

/** Every message in a failure's cause chain, joined. */
function messages(e: unknown): string {
  const out: string[] = [];
  for (let cur = e as { message?: string; cause?: unknown } | undefined; cur && out.length < 8; cur = cur.cause as typeof cur) {
    if (cur.message) out.push(cur.message);
  }
  return out.join(' | ');
}

describe('bad input', () => {
  let h: Harness;
  let n = 0;
  beforeAll(async () => { h = await startHarness('bad-input'); });
  afterAll(async () => { await h?.stop(); });

  /** Run a job that must fail; return the failure text after checking it failed once, cleanly. */
  async function failingJob(start: { config?: unknown; configPath?: string }, outDir: string): Promise<string> {
    const handle = await h.client.workflow.start('autoCompress', { taskQueue: h.taskQueue, workflowId: `bad-${h.taskQueue}-${n++}`, args: [start] });
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failed = (await activityLog(handle)).filter((a) => a.failed > 0);
    // The failing activity was not retried: it failed on its first attempt and only once.
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const a of failed) expect([a.type, a.attempt, a.failed]).toEqual([a.type, 1, 1]);
    expect(fs.existsSync(path.join(outDir, 'model.onnx'))).toBe(false);
    expect(leftoverTempFiles(h.storeDir)).toEqual([]);
    return messages(err);
  }

  it('a file that is not ONNX', async () => {
    const dir = tmpDir('bad-notonnx');
    const model = path.join(dir, 'notes.onnx');
    fs.writeFileSync(model, 'these are my notes, not a model\n');
    const msg = await failingJob({ config: clsJob(path.join(dir, 'out'), { model }) }, path.join(dir, 'out'));
    expect(msg).toMatch(/not a readable ONNX model.*notes\.onnx/);
  });

  it('a truncated model', async () => {
    const dir = tmpDir('bad-truncated');
    const model = path.join(dir, 'cut.onnx');
    fs.writeFileSync(model, fs.readFileSync(ppocrModel(CLS_MODEL)).subarray(0, 200_000));
    const msg = await failingJob({ config: clsJob(path.join(dir, 'out'), { model }) }, path.join(dir, 'out'));
    expect(msg).toMatch(/cut\.onnx/);
    expect(msg).toMatch(/truncated|not a readable ONNX model|cannot load/);
  });

  it('an input name the model does not have', async () => {
    const dir = tmpDir('bad-inputname');
    const msg = await failingJob({ config: clsJob(path.join(dir, 'out'), { input_name: 'image' }) }, path.join(dir, 'out'));
    expect(msg).toMatch(/no input (named )?"image".*inputs are x.*Global\.input_name/);
  });

  it('data whose shape does not match the model', async () => {
    const dir = tmpDir('bad-shape');
    const data = path.join(dir, 'calib');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'a.npy'), writeNpy({ dtype: 'float32', dims: [2, 4, 48, 192], data: new Float32Array(2 * 4 * 48 * 192) }));
    const msg = await failingJob({ config: clsJob(path.join(dir, 'out'), { calibration_data: { kind: 'npy', dir: data }, eval_data: { kind: 'npy', dir: data } }) }, path.join(dir, 'out'));
    expect(msg).toMatch(/x\[2x4x48x192\]|4x48x192|input "x" has shape \[4, 48, 192\]/);
  });

  it('an empty data folder', async () => {
    const dir = tmpDir('bad-empty');
    const data = path.join(dir, 'images');
    fs.mkdirSync(data);
    const msg = await failingJob({ config: clsJob(path.join(dir, 'out'), { calibration_data: { kind: 'images', dir: data, preprocess: 'ppocr-cls' } }) }, path.join(dir, 'out'));
    expect(msg).toContain(data);
    expect(msg).toMatch(/empty|no image/i);
  });

  it('an image that fails to decode', async () => {
    const dir = tmpDir('bad-image');
    const data = path.join(dir, 'images');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'broken.png'), 'PNG? no.');
    const msg = await failingJob({ config: clsJob(path.join(dir, 'out'), { calibration_data: { kind: 'images', dir: data, preprocess: 'ppocr-cls' } }) }, path.join(dir, 'out'));
    expect(msg).toMatch(/broken\.png/);
  });

  it('NaN in a .npy file', async () => {
    const dir = tmpDir('bad-nan');
    const data = path.join(dir, 'calib');
    fs.mkdirSync(data);
    const values = new Float32Array(3 * 48 * 192).fill(0.5);
    values[1234] = NaN;
    fs.writeFileSync(path.join(data, 'sample.npy'), writeNpy({ dtype: 'float32', dims: [3, 48, 192], data: values }));
    const msg = await failingJob({ config: clsJob(path.join(dir, 'out'), { calibration_data: { kind: 'npy', dir: data } }) }, path.join(dir, 'out'));
    expect(msg).toMatch(/sample\.npy/);
    expect(msg).toMatch(/NaN/);
  });

  it('a YAML syntax error, an unknown key and a wrong type in a config file', async () => {
    const dir = tmpDir('bad-yaml');
    const cases: Array<[string, RegExp]> = [
      ['Global:\n  model: [unclosed\n', /YAML syntax error.*job\.yaml:\d+:\d+/],
      ['Global:\n  model: m.onnx\n  input_shape: [1]\n  calibration_data: { kind: npy, dir: d }\n  colour: red\n', /Global\.colour: unknown key; allowed keys: model, inputs, output, input_name/],
      ['Global:\n  model: m.onnx\n  input_shape: eight\n  calibration_data: { kind: npy, dir: d }\n', /Global\.input_shape: .*expected array/],
    ];
    for (const [text, expected] of cases) {
      const configPath = path.join(dir, 'job.yaml');
      fs.writeFileSync(configPath, text);
      // Through the workflow (as `temporal workflow start --input-file` would) ...
      expect(await failingJob({ configPath }, path.join(dir, 'out'))).toMatch(expected);
      // ... and through the CLI, which rejects it before any server starts.
      const cli = await run(path.join(repo, 'bin', 'slimflow'), ['compress', configPath]).then(() => undefined, (e: { code: number; stderr: string }) => e);
      expect(cli?.code).toBe(2);
      expect(cli?.stderr).toMatch(expected);
    }
  });
});
