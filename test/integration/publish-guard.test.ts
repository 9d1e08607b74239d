// Fail once, never forever, and never overwrite a newer job's output: an orphaned job that gets a
// worker only after a newer job published to the same folder is refused (non-retryably) and the
// newer files stay; a YAML alias bomb sent to runPipeline as text fails once in an activity.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { LocalArtifactStore, sha256 } from '../../core/artifacts/store';
import { buildWorker } from '../../workers/start-worker';
import { activityLog, Harness, startHarness, tmpDir } from './harness';
import { testTemporal, uniqueTaskQueue } from './setup/server';
import { modelVariant } from './fleet-support';
import { aliasBomb } from './cli-support';

const PUBLISH = `
name: publish-only
inputs:
  model: { type: model }
  out: { type: string }
steps:
  publish:
    stage: publishModel
    with: { model: "\${{ inputs.model }}", outputDir: "\${{ inputs.out }}" }
outputs:
  path: "\${{ steps.publish.path }}"
`;

function messages(e: unknown): string {
  const out: string[] = [];
  for (let cur = e as { message?: string; cause?: unknown } | undefined; cur && out.length < 8; cur = cur.cause as typeof cur) if (cur.message) out.push(cur.message);
  return out.join(' | ');
}

describe('publishing', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness('publish-guard'); });
  afterAll(async () => { await h?.stop(); });

  it('an older job that resumes after a newer one published is refused; the newer output stays', async () => {
    const dir = tmpDir('guard');
    const out = path.join(dir, 'out');
    const older = modelVariant(path.join(dir, 'older.onnx'), 'older');
    const newer = modelVariant(path.join(dir, 'newer.onnx'), 'newer');
    // The older job starts on a queue nobody polls: RUNNING with no worker, as after a crash.
    const orphanQueue = uniqueTaskQueue('guard-orphan');
    const a = await h.client.workflow.start('runPipeline', { taskQueue: orphanQueue, workflowId: `guard-a-${h.taskQueue}`, args: [{ pipeline: PUBLISH, inputs: { model: older, out } }] });
    await new Promise((r) => setTimeout(r, 1100)); // a later start time for the newer job
    const b = await h.client.workflow.start('runPipeline', { taskQueue: h.taskQueue, workflowId: `guard-b-${h.taskQueue}`, args: [{ pipeline: PUBLISH, inputs: { model: newer, out } }] });
    await b.result();
    const published = sha256(fs.readFileSync(path.join(out, 'model.onnx')));
    expect(published).toBe(sha256(fs.readFileSync(newer)));

    // Now a worker comes for the orphan: it runs, and its publish is refused once.
    const { address, namespace } = testTemporal();
    const worker = await buildWorker({ address, namespace, embedded: false }, { taskQueue: orphanQueue, deps: { store: new LocalArtifactStore(h.storeDir), threads: 1 } as never });
    const running = worker.run();
    try {
      const err = await a.result().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(messages(err)).toMatch(/a newer job \(guard-b-.*\) owns this output folder/);
      const publish = (await activityLog(a)).filter((x) => x.type === 'publishModel');
      expect(publish.map((x) => [x.attempt, x.failed])).toEqual([[1, 1]]);
    } finally {
      worker.shutdown();
      await running;
    }
    expect(sha256(fs.readFileSync(path.join(out, 'model.onnx')))).toBe(published);
  });

  it('a YAML alias bomb sent as text fails once, in an activity, naming the problem', async () => {
    const handle = await h.client.workflow.start('runPipeline', { taskQueue: h.taskQueue, workflowId: `bomb-${h.taskQueue}`, args: [{ pipeline: aliasBomb(), inputs: {} }] });
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(messages(err)).toMatch(/pipeline expands to more than 100000 values \(YAML aliases/);
    const log = await activityLog(handle);
    expect(log.map((x) => [x.type, x.attempt, x.failed])).toEqual([['checkPipelineInput', 1, 1]]);
    // The workflow failed; no workflow task failed or was retried.
    const history = await handle.fetchHistory();
    const taskFailures = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
    expect(taskFailures).toHaveLength(0);
  });
});
