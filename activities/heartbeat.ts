import { Context } from '@temporalio/activity';

/** Heartbeat when running inside an activity; a no-op when the core is called directly (tests, CLI). */
export function beat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Not in an activity context.
  }
}

/** Pass an async stream through, heartbeating once per item so long loops stay visibly alive. */
export async function* heartbeating<T>(items: AsyncIterable<T>, label: string): AsyncGenerator<T> {
  let n = 0;
  for await (const item of items) {
    beat({ label, done: n++ });
    yield item;
  }
}
