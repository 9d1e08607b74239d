// The versioned output registry: `<root>/<model>/<key16>/` holds one published result (model.onnx,
// report.json, report.html, key.json); `<root>/<model>/latest.json` points at the accepted version.
// A version folder appears whole or not at all (built under a temporary name, then renamed), and
// key.json inside it is the proof of a finished publish, so a retried publish never writes twice.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sweepStaleTemps, writeFileAtomic } from '../artifacts/atomic';
import { failpoint } from '../artifacts/failpoint';
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

/** What `latest.json` holds. */
export interface LatestPointer {
  version: string;
  key: string;
  dir: string;
  updatedAt: string;
}

/** The accepted version a model's consumers should use, or null. */
export function readLatest(modelRoot: string): LatestPointer | null {
  const file = path.join(modelRoot, 'latest.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as LatestPointer) : null;
}

const historyLine = (r: VersionRecord) => JSON.stringify({ version: versionName(r.key), key: r.key, accepted: r.accepted, at: r.publishedAt, workflowId: r.workflowId });

/**
 * Make history.jsonl hold one line per published version folder, appending the lines a crash
 * between a version's rename and its append lost (the folder's key.json is the proof of publish).
 * Called after every publish and before `latest` moves, so the audit line never lags the pointer.
 */
export function reconcileHistory(modelRoot: string): number {
  const file = path.join(modelRoot, 'history.jsonl');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  // A torn last line (a crash mid-append) would break every later reader: keep whole lines only.
  const lines = text.split('\n').filter((l) => { try { return typeof JSON.parse(l)?.key === 'string'; } catch { return false; } });
  const have = new Set(lines.map((l) => (JSON.parse(l) as { key: string }).key));
  const missing = listVersions(modelRoot).filter((r) => !have.has(r.key));
  if (missing.length === 0 && lines.length === text.split('\n').filter(Boolean).length) return 0;
  writeFileAtomic(file, `${[...lines, ...missing.map(historyLine)].join('\n')}\n`);
  return missing.length;
}

/** Point `latest` at a version (atomic rename of a small JSON file), after its history line is written. */
export function setLatest(modelRoot: string, key: string, now: string): LatestPointer {
  reconcileHistory(modelRoot);
  const ptr: LatestPointer = { version: versionName(key), key, dir: versionDir(modelRoot, key), updatedAt: now };
  writeFileAtomic(path.join(modelRoot, 'latest.json'), `${JSON.stringify(ptr, null, 2)}\n`);
  return ptr;
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch {
    // Some file systems refuse fsync on folders; the rename is still atomic.
  }
}

/**
 * Publish files (name → source path) plus key.json as a new version. Returns `published: false`
 * when that version already exists (a retry, or a concurrent publisher that won the rename).
 */
export function publishVersion(modelRoot: string, record: Omit<VersionRecord, 'files'>, files: Record<string, string>): { published: boolean; dir: string; record: VersionRecord } {
  const dir = versionDir(modelRoot, record.key);
  const existing = readVersion(modelRoot, record.key);
  if (existing) return { published: false, dir, record: existing };
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
      if (won) return { published: false, dir, record: won };
      throw e;
    }
    fsyncDir(modelRoot);
    failpoint('fleet-after-rename');
    // One line per publish that actually happened: an audit trail, and what tests count.
    reconcileHistory(modelRoot);
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
