// Slimflow workers as child processes, each in its own process group: tsx runs the CLI in a
// child of its own, so a crash (SIGKILL) must take the whole group.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');

/** A `slimflow worker` in its own process group (tsx runs the CLI in a child; a crash must take both). */
export function startWorkerProcess(address: string, namespace: string, taskQueue: string, store: string, log: string, maxActivities = 2): ChildProcess {
  const out = fs.openSync(log, 'a');
  const args = ['worker', '--address', address, '--namespace', namespace, '--task-queue', taskQueue, '--max-activities', String(maxActivities)];
  return spawn(path.join(repo, 'bin', 'slimflow'), args, {
    env: { ...process.env, SLIMFLOW_STORE: store, SLIMFLOW_THREADS: '1' },
    stdio: ['ignore', out, out],
    detached: true,
  });
}

/** Signal a worker's whole process group and wait for it to exit. */
export async function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid!, signal);
  } catch {
    return;
  }
  await exited;
}


/** The worker processes one test file starts: `killAll` in afterAll leaves none behind, even after a failed test. */
export class WorkerProcesses {
  private readonly started: ChildProcess[] = [];

  start(...args: Parameters<typeof startWorkerProcess>): ChildProcess {
    const child = startWorkerProcess(...args);
    this.started.push(child);
    return child;
  }

  async killAll(): Promise<void> {
    for (const c of this.started) await killGroup(c);
  }
}
