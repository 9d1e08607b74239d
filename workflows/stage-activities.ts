// The contract between pipeline stages and their activities, derived from the stage catalog
// (core/pipeline/catalog.ts): each activity takes one object keyed by its stage's input ports and
// returns one keyed by its output ports, typed as the entry's zod schemas infer. Workflows compile
// against this interface (type-only); activities/index.ts checks at compile time that the worker's
// implementations satisfy it, so a port added to a catalog entry reaches both sides or fails to build.
import type { z } from 'zod';
import { ActivityStageName, CATALOG, STAGES } from '../core/pipeline/catalog';
import type { StageTimeout } from '../core/pipeline/catalog';
import type { TimeoutPreset } from './timeouts';

type Entry<K extends ActivityStageName> = (typeof CATALOG)[K];

export type StageInput<K extends ActivityStageName> = z.infer<Entry<K>['input']>;
export type StageOutput<K extends ActivityStageName> = z.infer<Entry<K>['output']>;

/** Every catalog activity stage as the worker registers it. */
export type StageActivities = { [K in ActivityStageName]: (input: StageInput<K>) => Promise<StageOutput<K>> };

export type ActivityStage = ActivityStageName;

/** One layer of a sensitivity run (core/quant/sensitivity.ts), most sensitive first. */
export type LayerSensitivityRow = StageOutput<'measureSensitivity'>['layers'][number];

// The catalog's preset names are the workflow's presets, and no other.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const presetsAgree: Same<StageTimeout, TimeoutPreset> = true;
void presetsAgree;

/** Which timeout preset each activity runs under, from its catalog entry. */
export const STAGE_TIMEOUTS = Object.fromEntries(
  Object.entries(STAGES).filter(([, s]) => s.kind === 'activity').map(([name, s]) => [name, s.timeout ?? 'long']),
) as Record<ActivityStage, TimeoutPreset>;

/** Whether a stage name is one the workflow can run as an activity. */
export const isActivityStage = (stage: string): stage is ActivityStage => Object.hasOwn(STAGE_TIMEOUTS, stage);
