// The live progress display of a job: a bar with the percent of the job's work, elapsed time, an
// ETA from the measured pace, the running stage, trials done of the budget, what the running
// activities last reported (batch k), and the best so far. On a terminal it redraws one line
// (cli-progress); otherwise it prints a line when something changes, at most every few seconds.
import type { WorkflowHandle } from '@temporalio/client';
import { SingleBar } from 'cli-progress';
import { progressFacts } from './progress-facts';
import { ProgressView, progressView, viewLine } from './progress-view';

/** Seconds between lines when stderr is not a terminal (CI logs): the stage changing prints at once. */
const PLAIN_EVERY_MS = 10_000;

/** Poll the workflow's progress and draw it on stderr until `signal.done`; the last draw is the final state. */
export async function showProgress(handle: WorkflowHandle, signal: { done: boolean }, intervalMs = 700): Promise<void> {
  const tty = !!process.stderr.isTTY;
  const bar = tty
    ? new SingleBar({
      stream: process.stderr, format: '[{bar}] {percentage}% | {line}', barsize: 24, hideCursor: true,
      clearOnComplete: false, linewrap: false, forceRedraw: true, fps: 5,
    })
    : null;
  let started: Date | null = null;
  let last: ProgressView | null = null;
  let lastPlain = { at: 0, stage: '' };
  const draw = (v: ProgressView) => {
    const line = viewLine(v);
    if (bar) {
      if (!last) bar.start(100, 0, { line });
      bar.update(Math.floor(v.percent), { line });
    } else if (v.stage !== lastPlain.stage || Date.now() - lastPlain.at >= PLAIN_EVERY_MS || v.percent >= 100) {
      process.stderr.write(`[${String(Math.floor(v.percent)).padStart(3)}%] ${line}\n`);
      lastPlain = { at: Date.now(), stage: v.stage };
    }
    last = v;
  };
  const tick = async () => {
    started ??= await handle.describe().then((d) => d.startTime, () => null);
    if (!started) return;
    const facts = await progressFacts(handle.client, handle.workflowId, started, 3_000).catch(() => null);
    if (facts) draw(progressView(facts));
  };
  while (!signal.done) {
    await tick();
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  // One last look: a finished job answers "done" at 100 %, which is what the display ends on.
  await tick();
  bar?.stop();
}
