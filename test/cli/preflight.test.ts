// A newcomer's three mistakes (a wrong input name, a data folder that does not exist, a calibrator
// name slimflow does not know) stop `slimflow compress` before any workflow: exit 2, one stderr line
// naming the config key (`slimflow plan` likewise). The positive controls show the checks would see a
// started workflow and a printed plan.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { tmpDir } from '../integration/harness';
import { testTemporal, uniqueTaskQueue } from '../integration/setup/server';
import { cli, writeClsConfig } from '../integration/cli-support';
import { writeManifest } from '../integration/fleet-support';

/** The test's small classifier job with Global keys replaced and QuantPost keys merged in. */
function writeConfig(dir: string, over: Record<string, unknown> = {}, quant: Record<string, unknown> = {}): string {
  const file = writeClsConfig(dir, path.join(dir, 'out'), over);
  const config = yaml.load(fs.readFileSync(file, 'utf8')) as { QuantPost: Record<string, unknown> };
  Object.assign(config.QuantPost, quant);
  fs.writeFileSync(file, yaml.dump(config));
  return file;
}

const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('npm warn'));

describe('compress runs the preflight before any workflow starts', () => {
  const { address, namespace } = testTemporal();
  let client: Client;
  beforeAll(async () => {
    client = new Client({ connection: await Connection.connect({ address }), namespace });
  });
  afterAll(async () => { await client?.connection.close(); });

  const started = (id: string) => client.workflow.getHandle(id).describe().then(() => true, (e) => {
    if (e instanceof WorkflowNotFoundError) return false;
    throw e;
  });

  const dir = tmpDir('preflight-cli');
  const mistakes = [
    { name: 'a wrong input name', over: { input_name: 'image' }, key: 'Global.input_name', says: /no input "image"; its inputs are x/ },
    {
      name: 'a missing data folder',
      over: { calibration_data: { kind: 'images', dir: path.join(dir, 'no-such-folder'), preprocess: { height: 48, width: 192 } } },
      key: 'Global.calibration_data',
      says: /data folder does not exist/,
    },
    { name: 'an unknown calibrator', quant: { algo: 'entropyy' }, key: 'QuantPost.algo', says: /unknown calibrator "entropyy"; known calibrators: abs_max.*entropy = KL/ },
  ];

  /** The run exits 2 with one stderr line naming the mistake's key and saying what is wrong; returns that line. */
  async function failsInOneLine(run: ReturnType<typeof cli>, m: { key: string; says: RegExp }): Promise<string> {
    const { code } = await run.exited;
    const err = lines(run.out.stderr);
    expect(code).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(m.key);
    expect(err[0]).toMatch(m.says);
    return err[0];
  }

  for (const m of mistakes) {
    it(`${m.name}: exit 2, one line naming ${m.key}, no workflow`, async () => {
      const cfg = writeConfig(dir, m.over, m.quant);
      const id = `preflight-${Math.random().toString(36).slice(2, 10)}`;
      const run = cli(['compress', cfg, '--address', address, '--namespace', namespace, '--task-queue', uniqueTaskQueue('preflight'), '--no-local-worker', '--workflow-id', id]);
      const err = await failsInOneLine(run, m);
      expect(err).not.toMatch(/\n\s+at /);
      expect(await started(id)).toBe(false);
    });
  }

  // plan compiles the job without a server: the same three mistakes fail there too, before any pipeline is printed.
  for (const m of mistakes) {
    it(`plan, ${m.name}: exit 2, one line naming ${m.key}, no pipeline printed`, async () => {
      const run = cli(['plan', writeConfig(dir, m.over, m.quant)]);
      await failsInOneLine(run, m);
      expect(run.out.stdout).toBe('');
    });
  }

  it('plan, control: the same config without a mistake prints its pipeline', async () => {
    const run = cli(['plan', writeConfig(dir), '--json']);
    const { code } = await run.exited;
    expect(code).toBe(0);
    const plan = JSON.parse(lines(run.out.stdout).pop()!) as { strategy: string; pipeline: { steps: Record<string, unknown> } };
    expect(plan.strategy).toMatch(/^ptq-int8/);
    expect(Object.keys(plan.pipeline.steps).length).toBeGreaterThan(0);
  });

  it('fleet run: when no model passes, exit 2 with each problem under models.<name>, no workflow', async () => {
    const junk = path.join(dir, 'junk.onnx');
    fs.writeFileSync(junk, 'not a model');
    const manifest = writeManifest(dir, 'preflight-fleet', { junk, gone: path.join(dir, 'gone.onnx') });
    const id = `preflight-fleet-${Math.random().toString(36).slice(2, 10)}`;
    const run = cli(['fleet', 'run', manifest, '--address', address, '--namespace', namespace, '--task-queue', uniqueTaskQueue('preflight-fleet'), '--no-local-worker', '--workflow-id', id]);
    const { code } = await run.exited;
    const err = lines(run.out.stderr);
    expect(code).toBe(2);
    expect(err.map((l) => /models\.\w+\.Global\.model/.exec(l)?.[0])).toEqual(['models.junk.Global.model', 'models.gone.Global.model']);
    expect(err[0]).toMatch(/^slimflow: INVALID_MODEL: /);
    expect(err[1]).toMatch(/^slimflow: NOT_FOUND: models\.gone\.Global\.model: model file does not exist/);
    expect(await started(id)).toBe(false);
  });

  it('control: the same config without the mistake starts its workflow (which the check above would see)', async () => {
    const cfg = writeConfig(dir);
    const id = `preflight-control-${Math.random().toString(36).slice(2, 10)}`;
    // No worker on this queue: the workflow starts and waits; it is terminated once seen.
    const run = cli(['compress', cfg, '--address', address, '--namespace', namespace, '--task-queue', uniqueTaskQueue('preflight-control'), '--no-local-worker', '--workflow-id', id]);
    try {
      const deadline = Date.now() + 90_000;
      while (!(await started(id))) {
        if (run.child.exitCode !== null || Date.now() > deadline) throw new Error(`the workflow never started; stderr:\n${run.out.stderr}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      process.kill(-run.child.pid!, 'SIGKILL');
      await client.workflow.getHandle(id).terminate('test control').catch(() => undefined);
    }
    expect(await started(id)).toBe(true);
  });
});
