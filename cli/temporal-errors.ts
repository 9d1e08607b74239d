// Temporal-side errors as a user reads them: one line and an exit code, no SDK stack.
import { ScheduleNotFoundError, ServiceError, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { EXIT } from './exit-codes';

/** gRPC status codes (a stable wire protocol; grpc-js is not a direct dependency). */
const GRPC = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNAVAILABLE: 14 } as const;
/** Codes that mean "the server is not there (yet)": retry them. */
const UNREACHABLE_CODES = new Set<number>([GRPC.UNAVAILABLE, GRPC.DEADLINE_EXCEEDED]);

function codeOf(e: unknown): number | undefined {
  for (let cur: any = e, depth = 0; cur && depth < 6; depth++, cur = cur.cause) {
    if (typeof cur.code === 'number') return cur.code;
  }
  return undefined;
}

/** True when the error says the server could not be reached (refused, down, timed out). */
export function isUnreachable(e: unknown): boolean {
  const code = codeOf(e);
  if (code !== undefined && UNREACHABLE_CODES.has(code)) return true;
  for (let cur: any = e, depth = 0; cur && depth < 6; depth++, cur = cur.cause) {
    const msg = String(cur.message ?? '');
    if (/ECONNREFUSED|UNAVAILABLE|No connection established|Failed to connect|connection refused|transport error|tcp connect error|DEADLINE_EXCEEDED/i.test(msg)) return true;
  }
  return false;
}

/** A Temporal-side error as one line and its exit code, or undefined when it is not one. */
export function describeTemporalError(e: unknown): { line: string; exit: number } | undefined {
  if (e instanceof WorkflowNotFoundError) return { line: `no such workflow: ${e.workflowId ?? e.message}`, exit: EXIT.NOT_FOUND };
  if (e instanceof ScheduleNotFoundError) return { line: `no such schedule: ${e.scheduleId ?? e.message}`, exit: EXIT.NOT_FOUND };
  if (isUnreachable(e)) return { line: `temporal server unreachable (${rootMessage(e)})`, exit: EXIT.UNREACHABLE };
  if (e instanceof ServiceError && codeOf(e) === GRPC.NOT_FOUND) return { line: `not found: ${rootMessage(e)}`, exit: EXIT.NOT_FOUND };
  if (e instanceof WorkflowFailedError) return { line: `job failed: ${rootMessage(e)}`, exit: EXIT.ERROR };
  return undefined;
}

/** The innermost message of an error chain: what actually went wrong. */
export function rootMessage(e: unknown): string {
  let msg = String((e as Error)?.message ?? e);
  for (let cur: any = e, depth = 0; cur && depth < 10; depth++, cur = cur.cause) if (cur.message) msg = String(cur.message);
  return msg.split('\n')[0];
}
