// The slimflow CLI as a subprocess (bin/slimflow: the CLI runs in that very process, so a signal sent
// to it reaches the CLI's handlers), with its output collected, and small job configs written as YAML files.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { clsJob } from './harness';

const repo = path.resolve(__dirname, '..', '..');

export interface CliRun {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stderr matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
}

/** Start `slimflow <args>` with its own store and one onnxruntime thread. */
export function cli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [path.join(repo, 'bin', 'slimflow'), ...args], {
    cwd: repo,
    env: { ...process.env, SLIMFLOW_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A group of its own: a crash test kills the whole group (tsx and the script it runs).
    detached: true,
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => { out.stdout += String(d); });
  child.stderr!.on('data', (d) => { out.stderr += String(d); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const waitFor = async (re: RegExp, timeoutMs = 240_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(out.stderr)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`CLI never printed ${re}; stderr:\n${out.stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return { child, out, exited, waitFor };
}

/** A tiny classifier job (16 calibration / 32 eval lines) written as a YAML config; returns its path. */
export function writeClsConfig(dir: string, outputDir: string, over: Record<string, unknown> = {}): string {
  const config = clsJob(outputDir, {
    calibration_data: { kind: 'rendered-textlines', task: 'cls', count: 16, seed: 11 },
    eval_data: { kind: 'rendered-textlines', task: 'cls', count: 32, seed: 12 },
    deploy: { threads: 1, max_accuracy_drop: 10 },
    ...over,
  }, { QuantPost: { algo: 'abs_max', batch_size: 8, batch_num: 2 } });
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `job-${Math.random().toString(36).slice(2, 8)}.yaml`);
  fs.writeFileSync(file, yaml.dump(config));
  return file;
}

/** The workflow id the CLI printed when it started or attached. */
export const printedId = (stderr: string) => /(?:workflow|job) (\S+) (?:started|is already running|already completed)/.exec(stderr)?.[1];

/** A few hundred bytes that expand to 10^9 strings. */
export function aliasBomb(): string {
  const lines = ['name: bomb', 'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`);
  lines.push('steps: {}');
  return `${lines.join('\n')}\n`;
}
