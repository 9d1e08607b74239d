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
