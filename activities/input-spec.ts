import { SlimflowError } from '../core/errors';

/** How a model is fed: its input's name, the batch shape used for latency, onnxruntime threads. */
export interface InputSpec {
  name: string;
  shape: number[];
  threads: number;
}

/** Read the `input` port of a stage, with the defaults of the PP-OCR classifier job. */
export function inputSpec(raw: unknown): InputSpec {
  const v = (raw ?? {}) as Partial<InputSpec>;
  const shape = v.shape ?? [8, 3, 48, 192];
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new SlimflowError('INVALID_CONFIG', `input shape must be positive integers, got ${JSON.stringify(shape)}`, 'input.shape');
  }
  return { name: v.name ?? 'x', shape, threads: v.threads ?? 1 };
}
