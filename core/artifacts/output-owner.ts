// One writer per output location: the newest job. Each publish into a folder first claims it with
// the job's identity and start time in `.slimflow-owner.json`; a job older than the recorded owner
// is refused (non-retryably), so an orphaned job that finishes late cannot overwrite the output of
// the job started after it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SlimflowError } from '../errors';
import { writeFileAtomic } from './atomic';

/** The job that may write an output folder. */
export interface OutputOwner {
  workflowId: string;
  runId: string;
  /** ISO start time of the job's workflow run. */
  startedAt: string;
}

export const OWNER_FILE = '.slimflow-owner.json';

/** The recorded owner of a folder, or null. */
export function readOwner(dir: string): OutputOwner | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as OutputOwner;
  } catch {
    return null;
  }
}

/** Newer job first: later start; equal starts are ordered by run id (a stated, deterministic rule). */
export function isNewer(a: OutputOwner, b: OutputOwner): boolean {
  if (a.startedAt !== b.startedAt) return a.startedAt > b.startedAt;
  return a.runId > b.runId;
}

/** Claim `dir` for `owner`, or throw SUPERSEDED when a newer job owns it. */
export function claimOutput(dir: string, owner: OutputOwner): void {
  const cur = readOwner(dir);
  if (cur && cur.runId === owner.runId && cur.workflowId === owner.workflowId) return;
  if (cur && isNewer(cur, owner)) {
    throw new SlimflowError('SUPERSEDED', `a newer job (${cur.workflowId}, started ${cur.startedAt}) owns this output folder; this job (${owner.workflowId}, started ${owner.startedAt}) does not overwrite it`, dir);
  }
  writeFileAtomic(path.join(dir, OWNER_FILE), `${JSON.stringify(owner)}\n`);
}
