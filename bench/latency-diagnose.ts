/**
 * Where does a latency prediction go wrong? For each candidate of bench:latency: the predicted per-op
 * costs against onnxruntime's own per-node profile of the same optimized graph, nodes the walk costs
 * that never ran (or ran but were not costed), and whole runs as wall time and as process CPU time
 * (a run preempted by another process has wall ≫ CPU).
 * `npx tsx bench/latency-diagnose.ts --table t.json [--only cls/fp32,rec/int8] [--json]`
 */
import * as os from 'node:os';
import { estimateLatency } from '../core/latency/estimate';
import { encodeWithFixedInputs, patternFeed } from '../core/latency/fixed-shape';
import { profileNodes } from '../core/latency/ort-graph';
import { LatencyPredictor } from '../core/latency/predictor';
import { readTable } from '../core/latency/table';
import { firstAndLastConv, int8ForLatency, loadPpOcr, PP_OCR_MODELS, prunedForLatency } from '../core/latency/variants';
import { Model } from '../core/onnx/proto';
import { ModelSession } from '../core/runtime/session';

const args = process.argv.slice(2);
const value = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

const VARIANTS: Record<string, (m: Model, shapes: { x: number[] }) => Promise<Model> | Model> = {
  fp32: (m) => m,
  int8: (m, s) => int8ForLatency(m, s),
  'int8-float-ends': (m, s) => int8ForLatency(m, s, firstAndLastConv(m)),
  pruned25: (m) => prunedForLatency(m, 0.25),
  pruned50: (m) => prunedForLatency(m, 0.5),
};

/** Wall and process-CPU milliseconds of each of `runs` runs (after warm-up). */
async function wallAndCpu(bytes: Uint8Array, shape: number[], runs: number) {
  const s = await ModelSession.create(bytes, { threads: 1 });
  const feeds = patternFeed({ x: shape });
  try {
    for (let i = 0; i < 3; i++) await s.run(feeds);
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await s.run(feeds);
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    return { wallMin: Math.min(...wall), wallMedian: median(wall), cpuMedian: median(cpu), cpuMin: Math.min(...cpu) };
  } finally {
    await s.release();
  }
}

async function main() {
  const table = readTable(value('--table') ?? '/tmp/slimflow-latency-table.json');
  const predictor = new LatencyPredictor(table);
  const only = value('--only')?.split(',');
  const out: Record<string, unknown> = {};
  for (const spec of PP_OCR_MODELS) {
    const shape = [...spec.shape];
    for (const [variant, make] of Object.entries(VARIANTS)) {
      const label = `${spec.name}/${variant}`;
      if (only && !only.includes(label)) continue;
      const model = await make(loadPpOcr(spec.name), { x: shape });
      const bytes = encodeWithFixedInputs(model, { x: shape });
      const est = await estimateLatency(model, predictor, { shapes: { x: shape }, cache: false });
      const prof = await profileNodes(bytes, patternFeed({ x: shape }), { runs: 15 });
      const whole = await wallAndCpu(bytes, shape, 30);
      const profiled = new Map(prof.nodes.map((n) => [n.name, n]));
      const byOp: Record<string, { pred: number; profMin: number; profMedian: number; n: number; methods: Record<string, number> }> = {};
      const notRun: string[] = [];
      for (const b of est.breakdown) {
        const p = profiled.get(b.name);
        const o = (byOp[b.op] ??= { pred: 0, profMin: 0, profMedian: 0, n: 0, methods: {} });
        o.pred += b.us / table.medianOverMin / 1000;
        o.n++;
        o.methods[b.method] = (o.methods[b.method] ?? 0) + 1;
        if (p) { o.profMin += p.minUs / 1000; o.profMedian += p.medianUs / 1000; } else notRun.push(`${b.op} ${b.name}`);
      }
      const walked = new Set(est.breakdown.map((b) => b.name));
      const notWalked = prof.nodes.filter((n) => !walked.has(n.name)).map((n) => `${n.opName} ${n.name} ${(n.minUs / 1000).toFixed(3)}ms`);
      const sum = (f: (o: (typeof byOp)[string]) => number) => Object.values(byOp).reduce((s, o) => s + f(o), 0);
      const row = { predictedMs: est.predictedMs, kernelPredMs: sum((o) => o.pred), kernelProfMinMs: sum((o) => o.profMin), kernelProfMedianMs: sum((o) => o.profMedian), overheadMs: est.overheadMs, ...whole, notRun, notWalked, byOp, load: os.loadavg()[0] };
      out[label] = row;
      log(`\n== ${label} [${shape.join('x')}] load ${os.loadavg()[0].toFixed(2)}`);
      log(`predicted ${est.predictedMs.toFixed(2)} (kernels ${row.kernelPredMs.toFixed(2)} before ×${table.medianOverMin.toFixed(3)}, overhead ${est.overheadMs.toFixed(2)}); profiled kernels min ${row.kernelProfMinMs.toFixed(2)} median ${row.kernelProfMedianMs.toFixed(2)}; wall min ${whole.wallMin.toFixed(2)} median ${whole.wallMedian.toFixed(2)}; cpu min ${whole.cpuMin.toFixed(2)} median ${whole.cpuMedian.toFixed(2)}`);
      if (notRun.length) log(`costed but not in the profile: ${notRun.join('; ')}`);
      if (notWalked.length) log(`profiled but not costed: ${notWalked.join('; ')}`);
      for (const [op, o] of Object.entries(byOp).sort((a, b) => b[1].profMin - a[1].profMin)) {
        const err = o.profMin ? (100 * (o.pred / o.profMin - 1)).toFixed(1) : '-';
        log(`  ${op.padEnd(40)} n ${String(o.n).padStart(3)}  pred ${o.pred.toFixed(3).padStart(8)}  prof min ${o.profMin.toFixed(3).padStart(8)} med ${o.profMedian.toFixed(3).padStart(8)}  err ${err.padStart(6)}%  ${JSON.stringify(o.methods)}`);
      }
    }
  }
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => { process.stderr.write(`${(e as Error).stack ?? e}\n`); process.exit(1); });
