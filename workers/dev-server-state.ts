// The dev server outlives the process that starts it (the next CLI call reuses it), so what we
// know about it lives in a state file, and concurrent starters serialise on a lock file.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { writeFileAtomic } from '../core/artifacts/atomic';
import { SlimflowError } from '../core/errors';

/** What a state file records about a running dev server. */
export interface DevServerState {
  pid: number;
  address: string;
  namespace: string;
  ports: { grpc: number; http: number; metrics: number; ui?: number };
  /** The Web UI's address (absent for a server started headless by an older slimflow). */
  uiUrl?: string;
  dbFile: string;
  logFile: string;
  startedAt: string;
}

const STATE_FILE = 'server.json';
const LOCK_FILE = 'lock';
const OWNER_FILE = 'owner';

/** Path of the state file inside a state directory. */
export const stateFilePath = (stateDir: string) => path.join(stateDir, STATE_FILE);

/**
 * The recorded server of a state directory, or null when there is none, it is unreadable, or it is
 * another directory's: a copied checkout carries the original's server.json, whose server (and
 * database) belong to the original, so it is neither reused nor stopped from here.
 */
export function readState(stateDir: string): DevServerState | null {
  try {
    const s = JSON.parse(fs.readFileSync(stateFilePath(stateDir), 'utf8')) as DevServerState;
    if (typeof s.pid !== 'number' || typeof s.address !== 'string') return null;
    return path.resolve(path.dirname(s.dbFile)) === path.resolve(stateDir) ? s : null;
  } catch {
    return null;
  }
}

/**
 * Claim the database of a state directory for this directory. Its owner file names the directory the
 * database was created in; a database created elsewhere (a copied checkout) holds the other checkout's
 * jobs, whose artifacts live there: it is moved aside (returned), so a fresh database starts here and
 * the copy resumes none of them. A database without an owner file (older slimflow) is adopted.
 */
export function claimDatabase(stateDir: string, dbFile: string): string | undefined {
  const dir = path.resolve(stateDir);
  const ownerFile = path.join(dir, OWNER_FILE);
  let owner: string | undefined;
  try {
    owner = fs.readFileSync(ownerFile, 'utf8').trim();
  } catch {
    owner = undefined;
  }
  let setAside: string | undefined;
  if (owner !== undefined && owner !== dir && fs.existsSync(dbFile)) {
    setAside = `${dbFile}.copied-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(dbFile, setAside);
    for (const side of ['-wal', '-shm']) if (fs.existsSync(dbFile + side)) fs.renameSync(dbFile + side, setAside + side);
  }
  if (owner !== dir) writeFileAtomic(ownerFile, `${dir}\n`);
  return setAside;
}

/** Record a server atomically, so a reader never sees half a state file. */
export function writeState(stateDir: string, state: DevServerState): void {
  writeFileAtomic(stateFilePath(stateDir), JSON.stringify(state, null, 2) + '\n');
}

/** Forget the recorded server. */
export function removeState(stateDir: string): void {
  fs.rmSync(stateFilePath(stateDir), { force: true });
}

/** True while `pid` is a live process (a zombie counts as dead: it only awaits reaping). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is all we have
  }
}

/** True when `pid` is alive and, where /proc can tell, is the server using this database (pids get reused). */
export function isServerProcess(pid: number, dbFile: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dbFile);
  } catch {
    return true;
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Run `fn` holding an exclusive lock on the state directory; a lock left by a dead process is taken over. */
export async function withStateLock<T>(stateDir: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(stateDir, { recursive: true });
  const lock = path.join(stateDir, LOCK_FILE);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(fs.readFileSync(lock, 'utf8').trim() || 'NaN');
      // An empty file means the holder is between create and write: treat as held.
      if (Number.isInteger(holder) && holder !== process.pid && !isAlive(holder)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new SlimflowError('RUNTIME', `timed out waiting for the dev server lock held by pid ${holder}`, lock);
      }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
