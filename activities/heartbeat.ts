import { CancelledFailure, Context } from '@temporalio/activity';

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

/** How often a short activity tells the server it is alive: well inside SHORT_IO's heartbeat timeout. */
const LIVENESS_MS = 5_000;

/**
 * Wrap short activities (which carry no heartbeat details) so they heartbeat on a timer while they run:
 * an attempt lost with its worker, or with a restarted server, is retried once the heartbeat timeout
 * passes instead of waiting out the whole start-to-close timeout.
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
      const timer = setInterval(() => ctx.heartbeat(), LIVENESS_MS);
      try {
        return await fn(...args);
      } finally {
        clearInterval(timer);
      }
    };
  }
  return out as T;
}
