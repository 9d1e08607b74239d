/**
 * Where a first-sight latency prediction spends its time, stage by stage, for the 15 bench:latency
 * candidates: `npx tsx bench/latency-first-sight.ts --table <file> [--reps 3] [--json]`.
 * Figures are process CPU time (onnxruntime builds sessions on a worker thread while the main thread
 * waits), the fastest of `reps` repetitions: on a shared machine, wall time mostly measures neighbours.
 * Experiments beside the estimator's path: session options that skip prepacking and keep weights out
 * of the saved model, and stand-in weights (bench/latency-stand-ins.ts), each checked to leave the
 * optimized graph as it was; and the read of a graph another process left in the on-disk cache.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { costOptimizedGraph, graphNodeConfigs, zeroWeightShare } from '../core/latency/estimate';
import { encodeWithFixedInputs, InputShapes, resolveInputShapes } from '../core/latency/fixed-shape';
import { cachedGraph, forgetGraphs, storeGraph } from '../core/latency/graph-cache';
import { LatencyPredictor } from '../core/latency/predictor';
import { structureKey } from '../core/latency/structure-key';
import { configKey } from '../core/latency/signature';
import { readTable } from '../core/latency/table';
import { decodeModel } from '../core/onnx/model-io';
import { GraphProto } from '../core/onnx/proto';
import { latencyCandidates } from './latency-candidates';
import { withStandInWeights } from './latency-stand-ins';

const args = process.argv.slice(2);
const value = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

const LEAN = { disable_prepacking: '1', optimized_model_external_initializers_file_name: 'weights.bin', optimized_model_external_initializers_min_size_in_bytes: '1024' };

/** A session as core/latency/ort-graph.ts makes it, with extra options; released at once. */
async function session(bytes: Uint8Array, o: ort.InferenceSession.SessionOptions = {}): Promise<void> {
  const s = await ort.InferenceSession.create(Buffer.from(bytes), { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3, ...o });
  await s.release();
}

/** Cost configurations of a graph's nodes, as a sorted list: equal lists cost the same, node for node. */
const nodeSet = (g: GraphProto, shapes: InputShapes) => graphNodeConfigs(g, shapes).nodes.map((n) => configKey(n.config)).sort();
const ordered = (g: GraphProto) => g.node.map((n) => `${n.domain ?? ''}:${n.opType}`).join(',');

async function main() {
  const tableFile = value('--table');
  if (!tableFile || !fs.existsSync(tableFile)) throw new Error('give --table <latency table file> (npm run bench:latency writes one)');
  const reps = Number(value('--reps') ?? 3);
  const predictor = new LatencyPredictor(readTable(tableFile));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-first-sight-'));
  const file = path.join(dir, 'optimized.onnx');
  const rows: Record<string, Record<string, number | boolean>> = {};
  const totals: Record<string, number> = {};
  try {
    for (const c of await latencyCandidates()) {
      const m = c.model;
      const shapes = { x: c.shape };
      const r: Record<string, number> = {};
      const time = async <T>(stage: string, f: () => T | Promise<T>): Promise<T> => {
        const t0 = cpuMs();
        const out = await f();
        r[stage] = Math.min(r[stage] ?? Infinity, cpuMs() - t0);
        return out;
      };
      let real: GraphProto | undefined;
      let lean: GraphProto | undefined;
      let standIn: GraphProto | undefined;
      for (let k = 0; k < reps; k++) {
        await time('shapesAndKey', () => structureKey(m, resolveInputShapes(m, shapes), 1));
        const bytes = await time('encode', () => encodeWithFixedInputs(m, shapes));
        await time('ortLoadNoOptimization', () => session(bytes, { graphOptimizationLevel: 'disabled' }));
        await time('ortOptimized', () => session(bytes));
        await time('ortOptimizedAndSaved', () => session(bytes, { optimizedModelFilePath: file }));
        real = await time('readBack', () => decodeModel(fs.readFileSync(file), file).graph);
        await time('walk', () => costOptimizedGraph(real!, shapes, predictor));
        await time('zeroWeightShare', () => zeroWeightShare(m));
        // Seen by an earlier process: the graph read back from the SLIMFLOW_GRAPH_CACHE directory.
        const key = `first-sight-${c.label}`;
        storeGraph(key, real, dir);
        forgetGraphs();
        await time('diskCacheRead', () => cachedGraph(key, dir));
        // Experiments.
        await time('leanSessionSaved', () => session(bytes, { optimizedModelFilePath: file, extra: { session: LEAN } }));
        lean = await time('leanReadBack', () => decodeModel(fs.readFileSync(file), file).graph);
        const sb = await time('standInEncode', () => encodeWithFixedInputs(withStandInWeights(m), shapes));
        await time('standInLeanSessionSaved', () => session(sb, { optimizedModelFilePath: file, extra: { session: LEAN } }));
        standIn = decodeModel(fs.readFileSync(file), file).graph;
      }
      const want = nodeSet(real!, shapes);
      const same = (g: GraphProto) => JSON.stringify(nodeSet(g, shapes)) === JSON.stringify(want);
      const estimatorPath = r.shapesAndKey + r.encode + r.ortOptimizedAndSaved + r.readBack + r.walk + r.zeroWeightShare;
      rows[c.label] = {
        ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, +v.toFixed(1)])), estimatorPath: +estimatorPath.toFixed(1),
        leanGraphSame: same(lean!), standInGraphSame: same(standIn!), standInNodeOrderSame: ordered(standIn!) === ordered(real!),
      };
      for (const [k, v] of Object.entries({ ...r, estimatorPath })) totals[k] = (totals[k] ?? 0) + v;
      log(`${c.label.padEnd(20)} ${Object.entries(rows[c.label]).map(([k, v]) => `${k} ${v}`).join('  ')}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const t = totals;
  const summary = {
    cpuMsTotals: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, +v.toFixed(0)])),
    // The estimator's first-sight path split into onnxruntime's parts and ours.
    shares: {
      onnxruntimeLoad: +(t.ortLoadNoOptimization / t.estimatorPath).toFixed(3),
      onnxruntimeOptimize: +((t.ortOptimized - t.ortLoadNoOptimization) / t.estimatorPath).toFixed(3),
      onnxruntimeSave: +((t.ortOptimizedAndSaved - t.ortOptimized) / t.estimatorPath).toFixed(3),
      javascript: +((t.shapesAndKey + t.encode + t.readBack + t.walk + t.zeroWeightShare) / t.estimatorPath).toFixed(3),
    },
    leanGraphsSame: Object.values(rows).filter((x) => x.leanGraphSame).length,
    standInGraphsSame: Object.values(rows).filter((x) => x.standInGraphSame).length,
    models: rows,
    reps,
    loadAverage: os.loadavg().map((v) => +v.toFixed(2)),
  };
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${JSON.stringify({ ...summary, models: undefined }, null, 1)}\n`);
}

main().catch((e) => { process.stderr.write(`${(e as Error).stack ?? e}\n`); process.exit(1); });
