import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { SlimflowError } from '../errors';
import { decodeModel } from '../onnx/model-io';
import { Model } from '../onnx/proto';
import { toOrt } from '../runtime/convert';
import { ModelSession } from '../runtime/session';
import { Tensor } from '../tensor';

/**
 * The graph onnxruntime will execute for these bytes (fused convs, QLinear kernels, NCHWc reorders):
 * onnxruntime optimizes it and writes it out, we read it back. Costing this graph instead of replaying
 * onnxruntime's fusion rules ourselves keeps the estimate honest when onnxruntime changes its rules.
 */
export async function optimizedGraph(bytes: Uint8Array, threads = 1): Promise<Model> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-optimized-'));
  const file = path.join(dir, 'optimized.onnx');
  try {
    let s: ort.InferenceSession;
    try {
      // logSeverityLevel 3: onnxruntime warns on every save that NCHWc graphs are host-specific, which is the point here.
      s = await ort.InferenceSession.create(Buffer.from(bytes), {
        intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', optimizedModelFilePath: file, logSeverityLevel: 3,
      });
    } catch (e) {
      throw new SlimflowError('INVALID_MODEL', `onnxruntime cannot load the model: ${(e as Error).message}`);
    }
    await s.release();
    return decodeModel(fs.readFileSync(file), file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One node of a profiled run: its kernel time and the shapes onnxruntime saw. */
export interface ProfiledNode {
  name: string;
  opName: string;
  /** Median kernel time over the timed runs, microseconds. */
  medianUs: number;
  /** Fastest timed run, microseconds: on a shared machine, the run nothing preempted. */
  minUs: number;
  /** Every timed run's kernel time, microseconds (so passes at other moments can be pooled). */
  samplesUs: number[];
  inputShapes: number[][];
  inputTypes: string[];
  outputShapes: number[][];
}

export interface ProfiledRun { graph: Model; nodes: ProfiledNode[]; runs: number }

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Per-node kernel times of a model with onnxruntime's own profiler, plus the optimized graph it ran.
 * The profiler times each kernel inside the real graph, so neighbours' layouts (NCHWc or not), fused
 * activations and cache state are those of a real run; a single-op model would add reorders of its own.
 */
export async function profileNodes(bytes: Uint8Array, feeds: Record<string, Tensor>, opts: { threads?: number; warmup?: number; runs?: number } = {}): Promise<ProfiledRun> {
  const { threads = 1, warmup = 2, runs = 7 } = opts;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-profile-'));
  const file = path.join(dir, 'optimized.onnx');
  let session: ort.InferenceSession | undefined;
  try {
    try {
      session = await ort.InferenceSession.create(Buffer.from(bytes), {
        intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
        optimizedModelFilePath: file, enableProfiling: true, logSeverityLevel: 3, profileFilePrefix: path.join(dir, 'profile'),
      });
    } catch (e) {
      throw new SlimflowError('INVALID_MODEL', `onnxruntime cannot load the model: ${(e as Error).message}`);
    }
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrt(v)]));
    for (let i = 0; i < warmup + runs; i++) await session.run(ortFeeds);
    session.endProfiling();
    const profile = fs.readdirSync(dir).find((f) => f.startsWith('profile') && f.endsWith('.json'));
    if (!profile) throw new SlimflowError('RUNTIME', 'onnxruntime wrote no profile', dir);
    const events = JSON.parse(fs.readFileSync(path.join(dir, profile), 'utf8')) as ProfileEvent[];
    return { graph: decodeModel(fs.readFileSync(file), file), nodes: collectNodes(events, runs), runs };
  } finally {
    await session?.release();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface ProfileEvent {
  cat: string; name: string; dur: number; ts: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

/** Kernel events per node name; only each node's last `runs` events count (the earlier ones are warm-up). */
function collectNodes(events: ProfileEvent[], runs: number): ProfiledNode[] {
  const byName = new Map<string, ProfileEvent[]>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    const list = byName.get(name);
    if (list) list.push(e); else byName.set(name, [e]);
  }
  return [...byName.entries()].map(([name, list]) => {
    const timed = list.sort((a, b) => a.ts - b.ts).slice(-runs);
    const args = timed[timed.length - 1].args ?? {};
    const ins = args.input_type_shape ?? [];
    return {
      name,
      opName: args.op_name ?? '?',
      medianUs: median(timed.map((e) => e.dur)),
      minUs: Math.min(...timed.map((e) => e.dur)),
      samplesUs: timed.map((e) => e.dur),
      inputShapes: ins.map((o) => Object.values(o)[0] ?? []),
      inputTypes: ins.map((o) => Object.keys(o)[0] ?? 'float'),
      outputShapes: (args.output_type_shape ?? []).map((o) => Object.values(o)[0] ?? []),
    };
  });
}

/** Median (or fastest) wall time of whole runs, milliseconds (no profiler attached: it slows every node down). */
export async function wallTimeMs(bytes: Uint8Array, feeds: Record<string, Tensor>, opts: { threads?: number; warmup?: number; runs?: number; stat?: 'median' | 'min' } = {}): Promise<number> {
  const t = await wallTimes(bytes, feeds, opts);
  return opts.stat === 'min' ? t.minMs : t.medianMs;
}

/** Median and fastest wall time of the same whole runs, milliseconds. */
export async function wallTimes(bytes: Uint8Array, feeds: Record<string, Tensor>, opts: { threads?: number; warmup?: number; runs?: number } = {}): Promise<{ medianMs: number; minMs: number; samplesMs: number[] }> {
  const { threads = 1, warmup = 2, runs = 7 } = opts;
  const s = await ModelSession.create(bytes, { threads });
  try {
    for (let i = 0; i < warmup; i++) await s.run(feeds);
    const xs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await s.run(feeds);
      xs.push(performance.now() - t0);
    }
    return { medianMs: median(xs), minMs: Math.min(...xs), samplesMs: xs };
  } finally {
    await s.release();
  }
}
