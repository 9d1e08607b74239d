// The two files a model's consumers read, `latest.json` and `history.jsonl`, change together in one
// rename. Both are symbolic links into `.state/`, itself a link to a folder holding the pair
// (`.state-<pid>-<rand>/`); a change writes a new folder, then renames a new `.state` link over the
// old one (the way Kubernetes swaps a ConfigMap volume's files). A reader therefore sees the old
// pair or the new one, never one without the other, and every file it opens is whole.
// A crash before the rename leaves the old pair in place and an unreferenced folder, swept by the
// next change. Registries written before this layout (two plain files) are moved to it unchanged
// by their first change.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pidAlive, sweepStaleTemps } from '../artifacts/atomic';
import { failpoint } from '../artifacts/failpoint';

export const LATEST_FILE = 'latest.json';
export const HISTORY_FILE = 'history.jsonl';
const STATE_LINK = '.state';
const STATE_DIR_RE = /^\.state-(\d+)-[0-9a-f]+$/;
/** A folder no change refers to is swept once its writer is dead or this old (a slow reader may still hold the previous one). */
const STATE_GRACE_MS = 60_000;

/** What `latest.json` holds. */
export interface LatestPointer {
  version: string;
  key: string;
  dir: string;
  updatedAt: string;
}

/** One line of `history.jsonl`: a version that was published. */
export interface HistoryLine {
  version: string;
  key: string;
  accepted: boolean;
  at: string;
  workflowId: string;
}

export interface RegistryState {
  latest: LatestPointer | null;
  history: HistoryLine[];
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The pair as readers see it now. A torn line (a registry of the old layout, killed mid-append) is dropped. */
export function readState(modelRoot: string): RegistryState {
  let text = '';
  try {
    text = fs.readFileSync(path.join(modelRoot, HISTORY_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const history: HistoryLine[] = [];
  for (const l of text.split('\n')) {
    try {
      const h = JSON.parse(l) as HistoryLine;
      if (typeof h?.key === 'string') history.push(h);
    } catch {
      // not a whole line
    }
  }
  return { latest: readJson<LatestPointer>(path.join(modelRoot, LATEST_FILE)), history };
}

const lstat = (p: string) => {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
};

function writeSynced(file: string, text: string): void {
  const fd = fs.openSync(file, 'wx');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch {
    // Some file systems refuse fsync on folders; the rename is still atomic.
  }
}

/** Point `name` (a link) at `target` by renaming a fresh link over it: atomic, also over a plain file. */
function swapLink(modelRoot: string, name: string, target: string): void {
  const tmp = path.join(modelRoot, `${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.symlinkSync(target, tmp);
  try {
    fs.renameSync(tmp, path.join(modelRoot, name));
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

const linkedIn = (modelRoot: string, name: string) => lstat(path.join(modelRoot, name))?.isSymbolicLink() === true;

/** Write the pair into a new state folder and switch `.state` to it: the one rename that changes both files. */
function switchState(modelRoot: string, state: RegistryState): void {
  const name = `.state-${process.pid}-${randomBytes(4).toString('hex')}`;
  const dir = path.join(modelRoot, name);
  fs.mkdirSync(dir);
  writeSynced(path.join(dir, HISTORY_FILE), state.history.map((h) => `${JSON.stringify(h)}\n`).join(''));
  failpoint('fleet-between-state-files');
  if (state.latest) writeSynced(path.join(dir, LATEST_FILE), `${JSON.stringify(state.latest, null, 2)}\n`);
  fsyncDir(dir);
  failpoint('fleet-before-state-switch');
  const previous = linkedIn(modelRoot, STATE_LINK) ? fs.readlinkSync(path.join(modelRoot, STATE_LINK)) : null;
  swapLink(modelRoot, STATE_LINK, name);
  // The public names are links into `.state`, made once (a plain file of the old layout is replaced here).
  for (const file of [HISTORY_FILE, ...(state.latest ? [LATEST_FILE] : [])]) {
    if (!linkedIn(modelRoot, file)) swapLink(modelRoot, file, path.join(STATE_LINK, file));
  }
  fsyncDir(modelRoot);
  sweepStates(modelRoot, [name, ...(previous ? [previous] : [])]);
}

/** Remove state folders no link refers to, once their writer is dead or they are older than the grace period. */
function sweepStates(modelRoot: string, keep: string[]): void {
  sweepStaleTemps(modelRoot);
  for (const e of fs.readdirSync(modelRoot)) {
    const m = STATE_DIR_RE.exec(e);
    if (!m || keep.includes(e)) continue;
    const st = lstat(path.join(modelRoot, e));
    if (!st) continue;
    if (pidAlive(Number(m[1])) && Date.now() - st.mtimeMs < STATE_GRACE_MS) continue;
    fs.rmSync(path.join(modelRoot, e), { recursive: true, force: true });
  }
}

/**
 * Change the pair in one switch: `change` gets the state as readers see it and returns the new one
 * (or null: nothing to change). A registry of the old layout (plain files) is first moved to the
 * linked layout with its content unchanged, so even that move never shows one file changed alone.
 */
export function updateState(modelRoot: string, change: (now: RegistryState) => RegistryState | null): RegistryState {
  fs.mkdirSync(modelRoot, { recursive: true });
  const plain = [HISTORY_FILE, LATEST_FILE].some((f) => lstat(path.join(modelRoot, f))?.isFile());
  if (plain) switchState(modelRoot, readState(modelRoot));
  const now = readState(modelRoot);
  const next = change(now);
  if (!next) return now;
  switchState(modelRoot, next);
  return next;
}
