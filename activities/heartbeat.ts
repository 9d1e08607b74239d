import { CancelledFailure, Context } from '@temporalio/activity';

/** The details of each running activity's last beat, re-sent by the liveness timer (see keptAlive). */
const lastDetails = new WeakMap<Context, unknown>();

/**
 * Heartbeat when running inside an activity; a no-op when the core is called directly (tests, CLI).
 * A cancelled activity throws here, at its next beat: a stopped search then waits for the
 * running trials to notice (seconds), not for them to finish.
 */
export function beat(details?: unknown): void {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return; // Not in an activity context.
  }
  ctx.heartbeat(details);
  lastDetails.set(ctx, details);
  const signal = ctx.cancellationSignal;
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledFailure(String(signal.reason ?? 'CANCELLED'));
}

/** Pass an async stream through, heartbeating once per item so long loops stay visibly alive. */
export async function* heartbeating<T>(items: AsyncIterable<T>, label: string): AsyncGenerator<T> {
  let n = 0;
  for await (const item of items) {
    beat({ label, done: n++ });
    yield item;
  }
}

/** How often a running activity tells the server it is alive: well inside every heartbeat timeout. */
const LIVENESS_MS = 5_000;

/**
 * Wrap activities so they heartbeat on a timer while they run, re-sending the details of their last
 * beat (a checkpoint ref stays the one a retry resumes from). Between their own beats an activity
 * may work for long: opening a QAT run on the PP-OCR recognizer takes 75 s before its first step,
 * which outlived the 30 s heartbeat timeout. An attempt lost with its worker, or with a restarted
 * server, is still noticed within the timeout: the timer dies with the process.
 */
export function keptAlive<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const out: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities)) {
    out[name] = async (...args: never[]) => {
      let ctx: Context;
      try {
        ctx = Context.current();
      } catch {
        return fn(...args); // Called directly (tests, CLI): nothing to keep alive.
      }
      const timer = setInterval(() => ctx.heartbeat(lastDetails.get(ctx)), LIVENESS_MS);
      try {
        return await fn(...args);
      } finally {
        clearInterval(timer);
      }
    };
  }
  return out as T;
}
