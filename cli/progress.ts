import type { WorkflowHandle } from '@temporalio/client';
import type { PipelineProgress } from '../core/pipeline';

/** One line of progress: stage, percent, best so far. */
export function progressLine(p: PipelineProgress): string {
  const best = p.best
    ? `  best ${p.best.label}: agreement ${p.best.agreement.toFixed(2)}${p.best.accuracy != null ? `, accuracy ${p.best.accuracy.toFixed(2)}` : ''}, ${p.best.latencyMs.toFixed(2)} ms`
    : '';
  return `[${String(Math.round(p.percent)).padStart(3)}%] ${p.stage}${best}`;
}

/** Poll the workflow's progress query and draw it on stderr until the workflow ends. */
export async function showProgress(handle: WorkflowHandle, signal: { done: boolean }, intervalMs = 700): Promise<void> {
  const tty = process.stderr.isTTY;
  let last = '';
  while (!signal.done) {
    try {
      const p = await handle.query<PipelineProgress>('progress');
      const line = progressLine(p);
      if (line !== last) {
        process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
        last = line;
      }
    } catch {
      // The workflow may not have started its first task yet, or just finished.
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  if (tty && last) process.stderr.write('\n');
}
