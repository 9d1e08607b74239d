// The versioned output registry: `<root>/<model>/<key16>/` holds one published result (model.onnx,
// report.json, report.html, key.json); `<root>/<model>/latest.json` points at the accepted version.
// A version folder appears whole or not at all (built under a temporary name, then renamed), and
// key.json inside it is the proof of a finished publish, so a retried publish never writes twice.
// `latest.json` and `history.jsonl` change together, in one rename (registry-state.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sweepStaleTemps, writeFileAtomic } from '../artifacts/atomic';
import { failpoint } from '../artifacts/failpoint';
import { fsyncDir, HistoryLine, LatestPointer, readState, updateState } from './registry-state';
import type { VersionRecord } from './types';

/** The folder name of a key's version (16 hex digits are plenty to tell versions apart). */
export const versionName = (key: string) => key.slice(0, 16);

/** Folder of one version. */
export const versionDir = (modelRoot: string, key: string) => path.join(modelRoot, versionName(key));

/** Where a job of this key writes before it is published. */
export const stagingDir = (modelRoot: string, key: string) => path.join(modelRoot, '.staging', versionName(key));

/** The record of a published version, or null when that version was never (fully) published. */
export function readVersion(modelRoot: string, key: string): VersionRecord | null {
  const file = path.join(versionDir(modelRoot, key), 'key.json');
  if (!fs.existsSync(file)) return null;
  const rec = JSON.parse(fs.readFileSync(file, 'utf8')) as VersionRecord;
  return rec.key === key ? rec : null;
}

export type { LatestPointer };

/** The accepted version a model's consumers should use, or null. */
export function readLatest(modelRoot: string): LatestPointer | null {
  return readState(modelRoot).latest;
}

const historyLine = (r: VersionRecord): HistoryLine => ({ version: versionName(r.key), key: r.key, accepted: r.accepted, at: r.publishedAt, workflowId: r.workflowId });

/**
 * Bring the pair up to date in one switch: a line for every published version folder (the folder's
 * key.json is the proof of publish; a crash between its rename and the switch left the line out),
 * and `latest` moved to `latest.key` when given and the pointer is elsewhere. Returns the lines added.
 * A concurrent publisher's switch can replace ours with a pair that misses our line: checked again after.
 */
function commit(modelRoot: string, latest?: { key: string; at: string }): number {
  let added = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    let missing: VersionRecord[] = [];
    updateState(modelRoot, (now) => {
      const have = new Set(now.history.map((h) => h.key));
      missing = listVersions(modelRoot).filter((r) => !have.has(r.key));
      const move = !!latest && now.latest?.key !== latest.key;
      if (missing.length === 0 && !move) return null;
      return {
        history: [...now.history, ...missing.map(historyLine)],
        latest: move ? { version: versionName(latest.key), key: latest.key, dir: versionDir(modelRoot, latest.key), updatedAt: latest.at } : now.latest,
      };
    });
    added += missing.length;
    const after = readState(modelRoot);
    const listed = new Set(after.history.map((h) => h.key));
    if (listVersions(modelRoot).every((r) => listed.has(r.key)) && (!latest || after.latest?.key === latest.key)) break;
  }
  return added;
}

/** Restore the history lines a crash left out (see commit). */
export function reconcileHistory(modelRoot: string): number {
  return commit(modelRoot);
}

/** Point `latest` at a version, with every missing history line, in one switch. */
export function setLatest(modelRoot: string, key: string, now: string): LatestPointer {
  commit(modelRoot, { key, at: now });
  return readLatest(modelRoot)!;
}

/**
 * Publish files (name → source path) plus key.json as a new version. Returns `published: false`
 * when that version already exists (a retry, or a concurrent publisher that won the rename).
 * With `latestAt`, an accepted version becomes `latest` in the same switch that adds its history line.
 */
export function publishVersion(
  modelRoot: string, record: Omit<VersionRecord, 'files'>, files: Record<string, string>, opts: { latestAt?: string } = {},
): { published: boolean; dir: string; record: VersionRecord } {
  const dir = versionDir(modelRoot, record.key);
  const latestOf = (r: VersionRecord) => (r.accepted && opts.latestAt ? { key: r.key, at: opts.latestAt } : undefined);
  const existing = readVersion(modelRoot, record.key);
  if (existing) {
    // A retry after a crash between the folder's rename and the switch: the switch happens now.
    commit(modelRoot, latestOf(existing));
    return { published: false, dir, record: existing };
  }
  fs.mkdirSync(modelRoot, { recursive: true });
  // Folders of publishers that died mid-copy are swept first; ours carries our pid for the same reason.
  sweepStaleTemps(modelRoot);
  const tmp = path.join(modelRoot, `.${versionName(record.key)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(tmp);
  try {
    for (const [name, src] of Object.entries(files)) {
      fs.copyFileSync(src, path.join(tmp, name));
      const fd = fs.openSync(path.join(tmp, name), 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
    const full: VersionRecord = { ...record, files: [...Object.keys(files), 'key.json'] };
    writeFileAtomic(path.join(tmp, 'key.json'), `${JSON.stringify(full, null, 2)}\n`);
    fsyncDir(tmp);
    // A leftover folder without key.json is an interrupted publish from an older layout: replace it.
    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      const won = readVersion(modelRoot, record.key);
      if (won) {
        commit(modelRoot, latestOf(won));
        return { published: false, dir, record: won };
      }
      throw e;
    }
    fsyncDir(modelRoot);
    failpoint('fleet-after-rename');
    // One line per publish that actually happened (an audit trail, and what tests count), and latest with it.
    commit(modelRoot, latestOf(full));
    return { published: true, dir, record: full };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Every published version of a model, oldest first. */
export function listVersions(modelRoot: string): VersionRecord[] {
  if (!fs.existsSync(modelRoot)) return [];
  const out: VersionRecord[] = [];
  for (const d of fs.readdirSync(modelRoot)) {
    const f = path.join(modelRoot, d, 'key.json');
    if (!d.startsWith('.') && fs.existsSync(f)) out.push(JSON.parse(fs.readFileSync(f, 'utf8')) as VersionRecord);
  }
  return out.sort((a, b) => a.publishedAt.localeCompare(b.publishedAt));
}
