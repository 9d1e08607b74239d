/**
 * bench:zoo's peers on one zoo model: slimflow's calibration batches written as .npy, the peers' models
 * made by bench/zoo/peer_quantize.py in .tools/py, every model scored by the config's task metric
 * against FP32 on the full eval batches, and timed at 1 thread interleaved with FP32 and slimflow's
 * chosen model (one session each, rounds A B C …, so machine load hits all alike).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { absolutizeConfig } from '../activities/job-activities';
import { feedRequestOf, resolveFeed } from '../core/config/feed-request';
import { loadJobConfig } from '../core/config/load';
import type { Batch } from '../core/data';
import { writeNpy } from '../core/data';
import { feedBatches, isFullBatch } from '../core/feed-data';
import { createTaskMeter } from '../core/metrics/task-meters/registry';
import { compareLatency } from '../core/runtime/compare-latency';
import { ModelSession } from '../core/runtime/session';
import type { Tensor } from '../core/tensor';
import { peerPython } from './peer/python';

const run = promisify(execFile);

export interface ZooModel { name: string; family: string; what: string; registry: string; package: string; version: string; file: string; licence: string; config: string }
export interface PeerRow { name: string; score: number | null; drop: number | null; speedup: number | null; latencyMs: number | null; withinTolerance: boolean; seconds: number | null; error?: string }
export interface PeerTable { metric: string; maxDrop: number; fp32Ms: number | null; fp32Score?: number | null; rows: PeerRow[]; bestPeer?: string; prepared?: string; error?: string }

interface Options { rounds: number; nncf: boolean; dynamic: boolean; log: (msg: string) => void }

/** The task metric of `model` against the FP32 outputs, over the eval batches. */
async function scoreOf(model: string, batches: Batch[], teacher: Tensor[], output: string, task: string, params: unknown): Promise<{ score: number; metric: string }> {
  const s = await ModelSession.create(model, { threads: 1 });
  try {
    const meter = createTaskMeter(task, params);
    for (let i = 0; i < batches.length; i++) {
      const out = await s.run(batches[i].inputs, [output]);
      meter.update(out[output], teacher[i], batches[i].labels);
    }
    const r = meter.result();
    return { score: r.score, metric: r.metric };
  } finally {
    await s.release();
  }
}

async function importable(python: string, module: string): Promise<string | null> {
  try {
    await run(python, ['-c', `import ${module}`]);
    return null;
  } catch (e) {
    return ((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').pop() ?? 'not importable';
  }
}

export async function peerTable(root: string, m: ZooModel, chosenPath: string | undefined, opts: Options): Promise<PeerTable> {
  const config = absolutizeConfig(loadJobConfig(path.join(root, m.config)), root);
  const g = config.Global;
  const fp32 = g.model;
  const probe = await ModelSession.create(fp32, { threads: 1 });
  const feed = resolveFeed(probe.graphInputs, probe.outputNames, feedRequestOf(g), 1);
  const output = feed.output ?? probe.outputNames[0];
  await probe.release();
  const batchSize = feed.inputs[0].shape[0];
  const calibSamples = (config.QuantPost?.batch_size ?? 8) * (config.QuantPost?.batch_num ?? 8);
  const task = g.task;
  const params = (g as unknown as Record<string, unknown>)[task] ?? {};
  const maxDrop = g.deploy.max_accuracy_drop;

  // Calibration batches as the peers read them: one folder per batch, <input name>.npy in each.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `zoo-${m.name}-`));
  const calibDir = path.join(work, 'calib');
  let k = 0;
  for await (const b of feedBatches(g.calibration_data, feed.inputs, { batchSize, limit: calibSamples, where: 'Global.calibration_data' })) {
    const d = path.join(calibDir, String(k++).padStart(4, '0'));
    fs.mkdirSync(d, { recursive: true });
    for (const [name, t] of Object.entries(b.inputs)) fs.writeFileSync(path.join(d, `${name}.npy`), writeNpy(t));
  }
  const evalSpec = g.eval_data ?? g.calibration_data;
  const evalBatches: Batch[] = [];
  for await (const b of feedBatches(evalSpec, feed.inputs, { batchSize, where: g.eval_data ? 'Global.eval_data' : 'Global.calibration_data' })) if (isFullBatch(b, feed.inputs)) evalBatches.push(b);
  if (evalBatches.length === 0) throw new Error(`${m.name}: the eval data yields no full batch of ${batchSize}`);
  opts.log(`${m.name}: peers on ${k} calibration batch(es), scored on ${evalBatches.length} eval batch(es) of ${batchSize}`);

  const py = await peerPython(root, opts.log);
  if (!py.python) throw new Error(py.error ?? 'no Python for the peers');
  const rows: PeerRow[] = [];
  const failed = (name: string, error: string, seconds: number | null = null): PeerRow => ({ name, score: null, drop: null, speedup: null, latencyMs: null, withinTolerance: false, seconds, error });
  // quant_pre_process's symbolic shape inference needs sympy; NNCF is optional. Both go into .tools/py once.
  for (const [module, wanted] of [['sympy', true], ['nncf', opts.nncf]] as const) {
    if (!wanted || !(await importable(py.python, module))) continue;
    opts.log(`pip install ${module} into ${path.relative(root, path.dirname(path.dirname(py.python)))} (one time)`);
    await run(path.join(path.dirname(py.python), 'pip'), ['install', '--quiet', module], { maxBuffer: 1 << 24 }).catch(() => undefined);
  }
  let useNncf = opts.nncf;
  if (useNncf) {
    const why = await importable(py.python, 'nncf');
    if (why) {
      rows.push(failed('nncf', `not importable from ${path.relative(root, py.python)} (pip install nncf into .tools/py): ${why}`));
      useNncf = false;
    }
  }
  const script = path.join(__dirname, 'zoo', 'peer_quantize.py');
  const outDir = path.join(work, 'peers');
  opts.log(`${m.name}: peer quantizers (onnxruntime${opts.dynamic ? ' static + dynamic' : ' static'}${useNncf ? ', nncf' : ''})`);
  const { stdout } = await run(py.python, [script, fp32, calibDir, outDir, ...(opts.dynamic ? ['--dynamic'] : []), ...(useNncf ? ['--nncf'] : [])], {
    maxBuffer: 1 << 26,
    // onnxruntime's symbolic shape inference writes scratch files (sym_shape_infer_temp.onnx, <uuid>.data) into its cwd.
    cwd: work,
  });
  const made = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { prepared: string; variants: { name: string; out?: string; error?: string; seconds: number }[] };

  // Teacher outputs once; then every model's score against them.
  const teacherSession = await ModelSession.create(fp32, { threads: 1 });
  const teacher: Tensor[] = [];
  for (const b of evalBatches) teacher.push((await teacherSession.run(b.inputs, [output]))[output]);
  await teacherSession.release();
  const fp32Score = await scoreOf(fp32, evalBatches, teacher, output, task, params);

  const timed: { name: string; path: string; seconds: number | null }[] = [];
  if (chosenPath && fs.existsSync(chosenPath)) timed.push({ name: 'slimflow (chosen)', path: chosenPath, seconds: null });
  for (const v of made.variants) {
    if (v.out && fs.existsSync(v.out)) timed.push({ name: v.name, path: v.out, seconds: v.seconds });
    else rows.push(failed(v.name, v.error ?? 'no model written', v.seconds));
  }
  const scores = new Map<string, number>();
  for (const t of [...timed]) {
    try {
      scores.set(t.name, (await scoreOf(t.path, evalBatches, teacher, output, task, params)).score);
    } catch (e) {
      rows.push(failed(t.name, `scoring failed: ${(e as Error).message.split('\n')[0]}`, t.seconds));
      timed.splice(timed.indexOf(t), 1);
    }
  }
  opts.log(`${m.name}: timing FP32 and ${timed.length} model(s) interleaved, ${opts.rounds} rounds`);
  const lat = await compareLatency([fp32, ...timed.map((t) => t.path)], evalBatches[0].inputs, { threads: 1, rounds: opts.rounds });
  const fp32Ms = lat[0].medianMs;
  timed.forEach((t, i) => {
    const score = scores.get(t.name) ?? null;
    const drop = score === null ? null : fp32Score.score - score;
    const ms = lat[i + 1].medianMs;
    rows.push({ name: t.name, score, drop, speedup: fp32Ms / ms, latencyMs: ms, withinTolerance: drop !== null && drop <= maxDrop, seconds: t.seconds });
  });
  rows.sort((a, b) => (a.name.startsWith('slimflow') ? -1 : b.name.startsWith('slimflow') ? 1 : 0));
  const best = rows.filter((r) => !r.name.startsWith('slimflow') && r.withinTolerance && r.speedup !== null).sort((a, b) => b.speedup! - a.speedup!)[0];
  fs.rmSync(work, { recursive: true, force: true });
  return { metric: fp32Score.metric, maxDrop, fp32Ms, fp32Score: fp32Score.score, rows, prepared: made.prepared, ...(best ? { bestPeer: `${best.name} ${best.speedup!.toFixed(2)}x at ${best.score!.toFixed(2)}` } : {}) };
}
