/** Error codes shared by every part of slimflow. Input errors are never retried. */
export type ErrorCode =
  | 'INVALID_CONFIG'
  | 'INVALID_PIPELINE'
  | 'INVALID_MODEL'
  | 'INVALID_DATA'
  | 'SHAPE_MISMATCH'
  | 'NOT_SUPPORTED'
  | 'NOT_FOUND'
  /** A newer job owns the output location this job was to write. */
  | 'SUPERSEDED'
  | 'RUNTIME';

/** The one error type of slimflow: a code, a message, and the path (file, key, node, tensor) that went wrong. */
export class SlimflowError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(path ? `${message} (at ${path})` : message, options);
    this.name = 'SlimflowError';
  }

  /** Input errors are the caller's to fix: retrying cannot help. */
  get isInputError(): boolean {
    return this.code !== 'RUNTIME';
  }
}

export const inputError = (code: Exclude<ErrorCode, 'RUNTIME'>, message: string, path?: string) =>
  new SlimflowError(code, message, path);
