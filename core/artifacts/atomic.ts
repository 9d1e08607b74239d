import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { failpoint } from './failpoint';

/** Whether a process with this id is alive (EPERM: alive, someone else's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The temp name of a write in progress: `<name>.tmp-<pid>-<random>`, so a later run can tell a dead writer's. */
const TEMP_RE = /\.tmp-(\d+)-[0-9a-f]+$/;

/**
 * Remove what writers that died left beside `file` (`<name>.tmp-<pid>-…` whose process is gone):
 * a crash mid-write leaves a temp file, and the next write to the same place sweeps it.
 */
export function sweepStaleTemps(dir: string, name?: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const e of entries) {
    const m = TEMP_RE.exec(e);
    if (!m || (name !== undefined && !e.startsWith(`${name}.tmp-`))) continue;
    if (pidAlive(Number(m[1]))) continue; // a write in flight (ours included)
    fs.rmSync(path.join(dir, e), { recursive: true, force: true });
    removed.push(e);
  }
  return removed;
}

/** Write a file so that a crash never leaves one that looks finished: temp name, fsync, rename. */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  sweepStaleTemps(path.dirname(file), path.basename(file));
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  failpoint(`write:${path.resolve(file)}`);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
