// Job control from another process, as a user at another machine would do it: `slimflow pause`
// holds a job between stages, `slimflow status` shows it, `slimflow resume` lets it finish, and
// `slimflow cancel` stops a job keeping its best result and says where it is.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobReport } from '../../core/report/report';
import { clsJob, Harness, startHarness, tmpDir } from './harness';
import { testTemporal } from './setup/server';
import { slimflow } from './fleet-support';

let h: Harness;
let cluster: string[];
beforeAll(async () => {
  h = await startHarness('job-control');
  const { address, namespace } = testTemporal();
  cluster = ['--address', address, '--namespace', namespace];
});
afterAll(async () => {
  await h?.stop();
});

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

describe('job control', () => {
  it('pauses between stages, shows it in status, resumes to the end', async () => {
    const out = tmpDir('job-pause');
    const workflowId = `job-pause-${path.basename(out)}`;
    const handle = await h.client.workflow.start('autoCompress', { taskQueue: h.taskQueue, workflowId, args: [{ config: clsJob(out, { eval_data: { kind: 'rendered-textlines', task: 'cls', count: 32, seed: 12 } }) }] });
    await slimflow(['pause', workflowId, ...cluster]);
    let status: { stage: string; status: string } | undefined;
    for (let i = 0; i < 120; i++) {
      status = lastJson((await slimflow(['status', workflowId, '--json', ...cluster])).stdout);
      if (status!.stage.startsWith('paused')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toMatchObject({ status: 'RUNNING', stage: expect.stringMatching(/^paused \(before /) });
    // Paused means paused: nothing moves while we wait.
    await new Promise((r) => setTimeout(r, 2000));
    expect(lastJson((await slimflow(['status', workflowId, '--json', ...cluster])).stdout).stage).toBe(status!.stage);
    const list = lastJson((await slimflow(['status', '--json', ...cluster])).stdout) as { jobs: { workflowId: string }[] };
    expect(list.jobs.map((j) => j.workflowId)).toContain(workflowId);
    await slimflow(['resume', workflowId, ...cluster]);
    const report = (await handle.result()) as JobReport;
    expect(fs.existsSync(path.join(out, 'report.json'))).toBe(true);
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('<svg id="chart"');
    expect(report.candidates.length).toBeGreaterThan(0);
  }, 600_000);

  it('cancel keeps the best result so far and says where it is', async () => {
    const out = tmpDir('job-cancel');
    const workflowId = `job-cancel-${path.basename(out)}`;
    await h.client.workflow.start('autoCompress', { taskQueue: h.taskQueue, workflowId, args: [{ config: clsJob(out, { eval_data: { kind: 'rendered-textlines', task: 'cls', count: 32, seed: 12 } }) }] });
    const r = lastJson((await slimflow(['cancel', workflowId, '--json', ...cluster])).stdout);
    expect(r).toMatchObject({ workflowId, how: 'stopped' });
    expect(fs.existsSync(r.best.model)).toBe(true);
    expect(r.best.report).toBe(path.join(path.dirname(r.best.model), 'report.html'));
    expect(fs.existsSync(r.best.report)).toBe(true);
  }, 600_000);

  it('names a job that does not exist', async () => {
    const { address, namespace } = testTemporal();
    // One line naming the job, and the documented exit code for a workflow that does not exist (5).
    await expect(slimflow(['pause', 'no-such-job-anywhere', '--address', address, '--namespace', namespace])).rejects.toThrow(/exited 5:[\s\S]*slimflow: no such workflow: no-such-job-anywhere/);
  });
});
