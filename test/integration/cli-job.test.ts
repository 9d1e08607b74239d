// The CLI against the real dev server as a user meets it: the same command twice is one job (a
// crash and a re-run attach to it; a finished one reports its result), Ctrl-C / SIGTERM stop the
// job cleanly or detach, exit codes a CI job can gate on, and input errors found before any job.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { JobReport } from '../../core/report/report';
import { sha256 } from '../../core/artifacts/store';
import { tmpDir } from './harness';
import { testTemporal, uniqueTaskQueue } from './setup/server';
import { aliasBomb, cli, printedId, writeClsConfig } from './cli-support';

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!) as JobReport;

describe('slimflow compress as one job per intent', () => {
  const { address, namespace } = testTemporal();
  let client: Client;
  beforeAll(async () => {
    client = new Client({ connection: await Connection.connect({ address }), namespace });
  });
  afterAll(async () => { await client?.connection.close(); });

  const runsOf = async (id: string) => {
    const out = [];
    for await (const w of client.workflow.list({ query: `WorkflowId = '${id}'` })) out.push(w);
    return out;
  };

  it('attaches after a crash, reports a finished job without rerunning it, and exits by the target', async () => {
    const dir = tmpDir('cli-intent');
    const store = path.join(dir, 'store');
    const cfg = writeClsConfig(dir, path.join(dir, 'out'));
    const args = ['compress', cfg, '--address', address, '--namespace', namespace, '--task-queue', uniqueTaskQueue('cli-intent'), '--json'];

    // The first CLI dies (SIGKILL, no chance to clean up) once its job is under way.
    const first = cli(args, { SLIMFLOW_STORE: store });
    await first.waitFor(/workflow \S+ started/);
    const id = printedId(first.out.stderr)!;
    expect(id).toMatch(/^compress-ch_ppocr_mobile_v2\.0_cls_infer-[0-9a-f]{16}$/);
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited;
    expect((await client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');

    // The same command again attaches to that job and brings it to its end.
    const second = cli(args, { SLIMFLOW_STORE: store });
    const { code } = await second.exited;
    expect(second.out.stderr).toContain(`job ${id} is already running: attaching to it`);
    const report = lastJson(second.out.stdout);
    expect(code).toBe(report.target.met ? 0 : 3);
    expect(second.out.stderr).not.toMatch(/\n\s+at /); // no stack
    expect(fs.existsSync(path.join(dir, 'out', 'model.onnx'))).toBe(true);

    // Once more: the finished job's result, no new run.
    const third = cli(args, { SLIMFLOW_STORE: store });
    const r3 = await third.exited;
    expect(third.out.stderr).toContain(`job ${id} already completed`);
    expect(r3.code).toBe(code);
    expect(lastJson(third.out.stdout).best.model.sha256).toBe(report.best.model.sha256);
    expect(sha256(fs.readFileSync(path.join(dir, 'out', 'model.onnx')))).toBe(report.best.model.sha256);
    expect(await runsOf(id)).toHaveLength(1);
  }, 900_000);

  it('SIGTERM stops the job with its best so far and leaves no RUNNING workflow', async () => {
    const dir = tmpDir('cli-sigterm');
    const cfg = writeClsConfig(dir, path.join(dir, 'out'), { calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 21 } });
    const run = cli(['compress', cfg, '--address', address, '--namespace', namespace, '--task-queue', uniqueTaskQueue('cli-sigterm'), '--json'], { SLIMFLOW_STORE: path.join(dir, 'store') });
    await run.waitFor(/workflow \S+ started/);
    const id = printedId(run.out.stderr)!;
    await run.waitFor(/\[\s*\d+%\]/); // progress: the job is in its stages
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    expect(run.out.stderr).toContain('stopping the job: it ends with its best so far');
    const status = (await client.workflow.getHandle(id).describe()).status.name;
    expect(status).not.toBe('RUNNING');
    if (status === 'COMPLETED') {
      // A stopped job finishes with its best: the report is printed, the exit code says it was interrupted.
      expect(lastJson(run.out.stdout).best.label).toBeTruthy();
      expect(code).toBe(130);
    } else {
      expect(status).toBe('CANCELED');
      expect(code).toBe(130);
    }
  }, 900_000);

  it('with --detach, SIGTERM leaves the job running and says how to follow it; a second signal quits at once', async () => {
    const dir = tmpDir('cli-detach');
    const q = uniqueTaskQueue('cli-detach');
    const cfg = writeClsConfig(dir, path.join(dir, 'out'), { calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 31 } });
    const run = cli(['compress', cfg, '--address', address, '--namespace', namespace, '--task-queue', q, '--detach'], { SLIMFLOW_STORE: path.join(dir, 'store') });
    await run.waitFor(/workflow \S+ started/);
    const id = printedId(run.out.stderr)!;
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    expect(code).toBe(6);
    expect(run.out.stderr).toContain(`slimflow status ${id}`);
    expect((await client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');

    // Attach again without --detach, then signal twice: the CLI quits at once and, since its worker
    // was the job's only one, terminates the job rather than leave it RUNNING with no worker.
    const again = cli(['compress', cfg, '--address', address, '--namespace', namespace, '--task-queue', q], { SLIMFLOW_STORE: path.join(dir, 'store') });
    await again.waitFor(/already running: attaching/);
    again.child.kill('SIGTERM');
    await again.waitFor(/stopping the job/);
    again.child.kill('SIGTERM');
    const r2 = await again.exited;
    expect(r2.code).toBe(130);
    expect(again.out.stderr).toContain('second signal: quitting now');
    expect(['TERMINATED', 'COMPLETED']).toContain((await client.workflow.getHandle(id).describe()).status.name);
  }, 900_000);
});

describe('errors before any job, in one line', () => {
  const { address, namespace } = testTemporal();
  const base = ['--address', address, '--namespace', namespace];

  it('an output folder outside the output roots, or one that is a file, fails with exit 2 naming the key', async () => {
    const dir = tmpDir('cli-roots');
    const outside = cli(['compress', writeClsConfig(dir, '/var/slimflow-nope/out'), ...base], { SLIMFLOW_OUTPUT_ROOTS: dir });
    expect((await outside.exited).code).toBe(2);
    expect(outside.out.stderr).toMatch(/outside the output roots.*\(at Global\.output_dir\)/);
    expect(outside.out.stderr).not.toMatch(/started/);
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    const isFile = cli(['compress', writeClsConfig(dir, path.join(dir, 'file')), ...base]);
    expect((await isFile.exited).code).toBe(2);
    expect(isFile.out.stderr).toMatch(/output folder is an existing file.*Global\.output_dir/);
  });

  it('an unknown workflow or schedule: exit 5, one line, no stack', async () => {
    const st = cli(['status', 'no-such-job-xyz', ...base]);
    expect((await st.exited).code).toBe(5);
    expect(st.out.stderr).toMatch(/slimflow: no such workflow|slimflow: not found/);
    expect(st.out.stderr).not.toMatch(/\n\s+at /);
    const sc = cli(['fleet', 'pause', 'no-such-schedule-xyz', ...base]);
    expect((await sc.exited).code).toBe(5);
    expect(sc.out.stderr).toMatch(/no such schedule|not found/);
    expect(sc.out.stderr).not.toMatch(/\n\s+at /);
  });

  it('a YAML alias bomb given to `slimflow run` fails at once with exit 2, naming the problem', async () => {
    const dir = tmpDir('cli-bomb');
    const file = path.join(dir, 'bomb.yaml');
    fs.writeFileSync(file, aliasBomb());
    const r = cli(['run', file, ...base]);
    expect((await r.exited).code).toBe(2);
    expect(r.out.stderr).toMatch(/INVALID_PIPELINE: pipeline expands to more than 100000 values \(YAML aliases/);
  });
});
