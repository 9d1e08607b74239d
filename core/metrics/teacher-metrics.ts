// Label-free teacher metrics beyond AgreementMeter's top-1 and cosine: each is one file exporting one
// entry (name, parameter schema, meter), registered here. validateCandidate measures every entry.
import type { z } from 'zod';
import { SlimflowError } from '../errors';
import { Tensor } from '../tensor';
import { emdMetric } from './emd';

/** A streaming teacher–student distance or similarity. */
export interface TeacherMeter {
  readonly name: string;
  update(teacher: Tensor, student: Tensor): void;
  value(): number;
}

export interface TeacherMetricEntry {
  name: string;
  description: string;
  lowerIsBetter: boolean;
  params: z.ZodType;
  create(params?: unknown): TeacherMeter;
}

const ENTRIES: TeacherMetricEntry[] = [emdMetric];
const REGISTRY: ReadonlyMap<string, TeacherMetricEntry> = new Map(ENTRIES.map((e) => [e.name, e]));

/** Names of the registered teacher metrics. */
export const teacherMetricNames = (): string[] => [...REGISTRY.keys()];

/** A fresh meter by name; an unknown name lists the known ones. */
export function createTeacherMetric(name: string, params?: unknown): TeacherMeter {
  const e = REGISTRY.get(name);
  if (!e) throw new SlimflowError('INVALID_CONFIG', `unknown teacher metric "${name}"; known: ${teacherMetricNames().join(', ')}`, 'objective');
  return e.create(params);
}
