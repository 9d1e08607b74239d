import * as os from 'node:os';
import type { FeedInput, ElementType } from '../feed';
import { encodeModel } from '../onnx/model-io';
import { makeNode } from '../onnx/graph';
import { DataType, Model } from '../onnx/proto';
import { thisDevice } from './device';
import { encodeWithFixedInputs, InputShapes, patternFeed } from './fixed-shape';
import { profileNodes, wallTimeMs, wallTimes } from './ort-graph';
import { slottedNodes } from './node-slots';
import { measureSparsity } from './sparsity-probe';
import { LatencyTable, TABLE_FORMAT, TABLE_VERSION, TableEntry } from './table';
import { firstAndLastConv, int8ForLatency, loadPpOcr, modelVariants, PP_OCR_MODELS, prunedForLatency } from './variants';

/**
 * One model to profile at one input shape; `make` builds it lazily so a plan costs nothing to list.
 * `dtypes` names the inputs that are not float32 (token ids, masks): they get valid constant feeds.
 */
export interface ProfileSource { label: string; shapes: InputShapes; dtypes?: Record<string, ElementType>; make: () => Promise<Model> | Model }

export interface ProfileOptions {
  threads?: number; warmup?: number;
  /** Timed runs per source in all, split over the passes. */
  runs?: number;
  /** Sweeps over all sources (default 3): see buildTable. */
  passes?: number;
  onProgress?: (msg: string) => void;
}

/**
 * The designed sample: the three PP-OCR models at their deploy shapes and a smaller one, FP32 and INT8,
 * plus a grid around them made by channel-pruning at 12.5%, 37.5% and 62.5% (so narrower convs, and the
 * elementwise ops between them, are measured too). Every op configuration of those optimized graphs is
 * a table entry; the rest is the regressors' job.
 */
export function defaultSources(): ProfileSource[] {
  const out: ProfileSource[] = [];
  for (const spec of PP_OCR_MODELS) {
    const base = () => loadPpOcr(spec.name);
    const shapes = { x: [...spec.shape] };
    out.push({ label: `${spec.name}/fp32`, shapes, make: base });
    out.push({ label: `${spec.name}/fp32@${spec.altShape.join('x')}`, shapes: { x: [...spec.altShape] }, make: base });
    out.push({ label: `${spec.name}/int8`, shapes, make: () => int8ForLatency(base(), shapes) });
    out.push({ label: `${spec.name}/int8-float-ends`, shapes: { x: [...spec.altShape] }, make: () => { const m = base(); return int8ForLatency(m, { x: [...spec.altShape] }, firstAndLastConv(m)); } });
    for (const r of [0.125, 0.375, 0.625]) {
      out.push({ label: `${spec.name}/pruned${r}`, shapes, make: () => prunedForLatency(base(), r) });
      out.push({ label: `${spec.name}/pruned${r}/int8`, shapes, make: () => int8ForLatency(prunedForLatency(base(), r), shapes) });
    }
  }
  return out;
}

/**
 * The sources of a table for the user's model: every variant of it (see modelVariants) at the feed's
 * batch shapes, and the model as given at batch 1 too when the feed's batch is larger (a second size
 * for the regressors). `model` returns a fresh copy each call.
 */
export function modelSources(label: string, model: () => Model, inputs: readonly FeedInput[]): ProfileSource[] {
  const shapes: InputShapes = Object.fromEntries(inputs.map((i) => [i.name, [...i.shape]]));
  const dtypes = Object.fromEntries(inputs.filter((i) => i.dtype !== 'float32').map((i) => [i.name, i.dtype]));
  const out = modelVariants(model, shapes, dtypes).map((v) => ({ label: `${label}/${v.name}`, shapes, dtypes, make: v.make }));
  if (inputs.some((i) => i.shape[0] > 1)) {
    const single: InputShapes = Object.fromEntries(inputs.map((i) => [i.name, [1, ...i.shape.slice(1)]]));
    out.splice(1, 0, { label: `${label}/fp32@batch1`, shapes: single, dtypes, make: model });
  }
  return out;
}

/** A chain of `k` Relu nodes on a tiny tensor: its wall time is almost all executor overhead. */
function reluChain(k: number): Model {
  const nodes = Array.from({ length: k }, (_, i) => makeNode('Relu', [i ? `t${i - 1}` : 'x'], [i === k - 1 ? 'y' : `t${i}`], `relu${i}`));
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: 8 }] } } } });
  return { irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph: { name: 'chain', node: nodes, initializer: [], input: [vi('x')], output: [vi('y')], valueInfo: [] } };
}

/** Per-run and per-node executor overhead from two Relu chains timed alternately (fastest runs, median of rounds). */
export async function measureOverhead(threads: number): Promise<{ perRunUs: number; perNodeUs: number }> {
  const k = 200;
  const feeds = patternFeed({ x: [1, 8] });
  const [short, long] = [encodeModel(reluChain(1)), encodeModel(reluChain(k))];
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < 5; r++) {
    a.push(await wallTimeMs(short, feeds, { threads, runs: 30, stat: 'min' }));
    b.push(await wallTimeMs(long, feeds, { threads, runs: 30, stat: 'min' }));
  }
  const med = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
  const perNodeUs = Math.max(0, ((med(b) - med(a)) * 1000) / (k - 1));
  return { perRunUs: Math.max(0, med(a) * 1000 - perNodeUs), perNodeUs };
}

/**
 * 10th percentile, over every (source, pass) window, of that window's median/fastest whole-run time:
 * the run-to-run spread of a quiet moment. Per window rather than per source, so a table built while
 * other processes kept the cores busy still finds its quiet minutes instead of baking their contention
 * into every estimate. (Whole runs, not kernel sums: per-node medians spread more than a run does, and
 * the profiler's own per-node cost already sits inside the fastest kernel times.)
 */
export function medianOverMin(windows: number[][]): number {
  const ratios = windows.filter((w) => w.length && Math.min(...w) > 0).map((w) => median(w) / Math.min(...w)).sort((a, b) => a - b);
  return ratios.length ? Math.min(10, Math.max(1, ratios[Math.floor(ratios.length * 0.1)])) : 1;
}

/** A node's timings pooled over passes, with the configuration taken from the first pass's graph. */
interface Pooled { config: TableEntry['config']; samples: number[] }

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

/**
 * Build a latency table on this machine by profiling every node of the sources' optimized graphs.
 * The runs are split into `passes` sweeps over all sources, minutes apart on a big table: on a shared
 * machine another process's burst then spoils one sweep of a source, not all of its samples, and each
 * node's fastest run comes from whichever sweep found the core quiet.
 */
export async function buildTable(sources: ProfileSource[] = defaultSources(), opts: ProfileOptions = {}): Promise<LatencyTable> {
  const { threads = 1, warmup = 2, runs = 9, onProgress } = opts;
  const passes = Math.max(1, Math.min(opts.passes ?? 3, runs));
  const perPass = Math.ceil(runs / passes);
  const t0 = performance.now();
  const loadAtStart = os.loadavg()[0];
  const overhead = await measureOverhead(threads);
  onProgress?.(`overhead: ${overhead.perRunUs.toFixed(1)} µs per run, ${overhead.perNodeUs.toFixed(2)} µs per node`);
  const inputs: { bytes: Uint8Array; feeds: ReturnType<typeof patternFeed> }[] = [];
  const pooled: Map<string, Pooled>[] = sources.map(() => new Map());
  const walls: number[][] = sources.map(() => []);
  const windows: number[][] = [];
  const mismatches: number[] = sources.map(() => 0);
  const nodeCounts: number[] = sources.map(() => 0);
  const loads: number[][] = sources.map(() => []);
  for (let pass = 0; pass < passes; pass++) {
    for (const [i, src] of sources.entries()) {
      inputs[i] ??= { bytes: encodeWithFixedInputs(await src.make(), src.shapes), feeds: patternFeed(src.shapes, src.dtypes) };
      const { bytes, feeds } = inputs[i];
      loads[i].push(+os.loadavg()[0].toFixed(2));
      const prof = await profileNodes(bytes, feeds, { threads, warmup, runs: perPass });
      // At least 5 whole runs per window: a median of fewer says little about the spread.
      const wall = (await wallTimes(bytes, feeds, { threads, warmup: 1, runs: Math.max(5, perPass) })).samplesMs;
      walls[i].push(...wall);
      windows.push(wall);
      // Matched across passes by slot, not by name (see slottedNodes).
      const slotted = slottedNodes(prof, src.shapes);
      if (pass === 0) nodeCounts[i] = prof.nodes.length;
      for (const { slot, config, profiled, shapeMismatch } of slotted) {
        if (pass === 0) {
          if (shapeMismatch) mismatches[i]++;
          pooled[i].set(slot, { config, samples: [...profiled.samplesUs] });
        } else {
          pooled[i].get(slot)?.samples.push(...profiled.samplesUs);
        }
      }
      const kernelMs = [...pooled[i].values()].reduce((s, p) => s + Math.min(...p.samples), 0) / 1000;
      onProgress?.(`[pass ${pass + 1}/${passes}, ${i + 1}/${sources.length}] ${src.label}: ${nodeCounts[i]} nodes, kernels ${kernelMs.toFixed(2)} ms, wall ${Math.min(...walls[i]).toFixed(2)}–${median(walls[i]).toFixed(2)} ms (fastest–median), load ${loads[i][pass]}${mismatches[i] ? `, ${mismatches[i]} shape mismatches` : ''}`);
    }
  }
  // Sparsity is measured, not assumed: the first source dense against 75% of its weights zeroed.
  const sparsity = sources.length ? await measureSparsity(sources[0].label, await sources[0].make(), sources[0].shapes, { threads, dtypes: sources[0].dtypes }) : undefined;
  if (sparsity) onProgress?.(`sparsity: ${sparsity.source} at ${sparsity.ratio * 100}% zeros, weighted kernels ${sparsity.sparseKernelMs.toFixed(2)} vs ${sparsity.denseKernelMs.toFixed(2)} ms dense (×${sparsity.kernelRatio.toFixed(3)} median over ${sparsity.weightedNodes} nodes${sparsity.conclusive ? '' : ', too small to conclude from'})`);
  const entries: TableEntry[] = [];
  const table: LatencyTable['sources'] = sources.map((src, i) => {
    let kernelUs = 0;
    let kernelMedianUs = 0;
    for (const p of pooled[i].values()) {
      // The fastest run, not the median: preemption by other processes only ever adds time, and on a
      // shared 2-core machine it inflated det's per-node medians up to 7× while the minima held.
      const us = Math.min(...p.samples);
      entries.push({ config: p.config, us, samples: p.samples.length, medianUs: median(p.samples) });
      kernelUs += us;
      kernelMedianUs += median(p.samples);
    }
    const named = Object.keys(src.shapes).length > 1 ? { shapes: src.shapes } : {};
    return { label: src.label, shape: Object.values(src.shapes)[0], ...named, nodes: nodeCounts[i], wallMs: Math.min(...walls[i]), wallMedianMs: median(walls[i]), kernelSumMs: kernelUs / 1000, kernelMedianSumMs: kernelMedianUs / 1000, shapeMismatches: mismatches[i], loadAverage: loads[i] };
  });
  return {
    format: TABLE_FORMAT,
    version: TABLE_VERSION,
    createdAt: new Date().toISOString(),
    device: thisDevice(),
    threads,
    overhead,
    medianOverMin: medianOverMin(windows),
    sources: table,
    build: { seconds: (performance.now() - t0) / 1000, runsPerModel: perPass * passes, passes, loadAverage: [loadAtStart, os.loadavg()[0]].map((v) => +v.toFixed(2)) },
    entries,
    ...(sparsity ? { sparsity } : {}),
  };
}
