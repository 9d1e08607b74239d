import { SlimflowError } from '../core/errors';
import { EXIT } from './exit-codes';
import { describeTemporalError } from './temporal-errors';

/** Print figures: a human text, or with --json one JSON object as the last stdout line. */
export function emit(json: boolean, value: unknown, text: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(value)}\n`);
  else process.stdout.write(`${text()}\n`);
}

/** Progress and chatter go to stderr so that stdout stays machine-readable. */
export const info = (msg: string) => process.stderr.write(`${msg}\n`);

/**
 * Exit with one clear line for known errors (input errors, Temporal-side errors: see cli/exit-codes.ts);
 * a stack only for the unexpected.
 */
export function fail(e: unknown): never {
  const err = e as Error & { cause?: unknown };
  const known = findSlimflowError(err);
  if (known && known.code !== 'RUNTIME') {
    process.stderr.write(`slimflow: ${known.code}: ${known.message}\n`);
    process.exit(EXIT.INPUT);
  }
  const temporal = describeTemporalError(err);
  if (temporal) {
    process.stderr.write(`slimflow: ${known?.message ?? temporal.line}\n`);
    process.exit(temporal.exit);
  }
  if (known) {
    process.stderr.write(`slimflow: ${known.code}: ${known.message}\n`);
    process.exit(EXIT.ERROR);
  }
  process.stderr.write(`slimflow: ${err?.stack ?? String(e)}\n`);
  process.exit(EXIT.ERROR);
}

/** Temporal wraps errors in failures; dig out the message a user needs. */
function findSlimflowError(e: unknown): { code: string; message: string } | undefined {
  let cur: any = e;
  for (let depth = 0; cur && depth < 8; depth++) {
    if (cur instanceof SlimflowError) return { code: cur.code, message: cur.message };
    if (cur.type && typeof cur.type === 'string' && cur.nonRetryable) return { code: cur.type, message: cur.message };
    cur = cur.cause;
  }
  return undefined;
}
