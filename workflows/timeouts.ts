// Named activity option presets: every proxy in a workflow picks one of these, never ad-hoc values.
import type { ActivityOptions } from '@temporalio/workflow';

// Input errors come back as non-retryable failures typed by their SlimflowError code
// (see activities/failures.ts); list them here as well so a plain rethrow is not retried either.
const NON_RETRYABLE = ['INVALID_CONFIG', 'INVALID_PIPELINE', 'INVALID_MODEL', 'INVALID_DATA', 'SHAPE_MISMATCH', 'NOT_SUPPORTED', 'NOT_FOUND'];

/**
 * Short I/O: import, clone, analyse — seconds of work, retried quickly. Like every activity they
 * heartbeat on a timer (activities/heartbeat.ts keptAlive), so an attempt lost with its worker is
 * retried after a minute.
 */
export const SHORT_IO: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  // A minute, not seconds: preparing a very large model is synchronous and holds the event loop.
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** Long compute: calibration, validation, latency runs. Heartbeats so a dead worker is noticed in minutes, not hours. */
export const LONG_HEARTBEAT: ActivityOptions = {
  startToCloseTimeout: '4 hours',
  // Activities beat once per batch or round and every 5 s on a timer; 30 s without one means the worker is gone.
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
};

export const TIMEOUT_PRESETS = { short: SHORT_IO, long: LONG_HEARTBEAT } as const;
export type TimeoutPreset = keyof typeof TIMEOUT_PRESETS;
