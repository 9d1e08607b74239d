import { ApplicationFailure } from '@temporalio/common';
import { SlimflowError } from '../core/errors';

/**
 * Run an activity body and turn slimflow input errors into non-retryable failures:
 * retrying a bad file or a wrong key cannot help, so the workflow fails once.
 */
export async function asActivity<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SlimflowError && e.isInputError) {
      throw ApplicationFailure.create({
        message: e.message,
        type: e.code,
        nonRetryable: true,
        details: [{ code: e.code, path: e.path ?? null }],
        cause: e,
      });
    }
    throw e;
  }
}
