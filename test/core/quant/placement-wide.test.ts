// The 'integer-wide' Q/DQ placement: on a YOLOv8-style graph, onnxruntime's optimized graph runs the
// C2f residual Adds, the inner Concats and the SiLU Sigmoids as QLinear kernels, where 'integer-path'
// leaves the split blocks' Concats float; the decode after the last convs stays float; and the
// placement is a value of the search's placement dimension. Checked with the rules of both CPU kinds.
import { beforeAll, describe, expect, it } from 'vitest';
import { compileConfig, ptqTrials } from '../../../core/config/compile';
import { parseJobConfig } from '../../../core/config/load';
import { encodeModel } from '../../../core/onnx/model-io';
import type { Model } from '../../../core/onnx/proto';
import { ModelSession } from '../../../core/runtime/session';
import { DEFAULT_INTEGER_OPS, WIDE_INTEGER_OPS } from '../../../core/quant/integer-ops';
import { quantizeModel, QuantizeReport } from '../../../core/quant/ptq';
import { PLACEMENT_OPTIONS, quantizeOptionsFor } from '../../../core/quant/trial-options';
import { fromFlags } from '../../../core/runtime/cpu-features';
import { optimizedNodes } from '../../../core/runtime/kernels';
import { resolveSpace } from '../../../workflows/ptq-search';
import { floatFeed } from '../../fixtures/export-styles';
import { yoloBlocks } from '../../fixtures/family-graphs';

const CPUS = {
  avx2: fromFlags('an AVX2 CPU without VNNI', ['avx2', 'fma']),
  vnni: fromFlags('an AVX-512 VNNI CPU', ['avx2', 'fma', 'avx512f', 'avx512_vnni']),
};

async function* calib() {
  for (let seed = 1; seed <= 4; seed++) yield { images: floatFeed([1, 3, 64, 64], seed) };
}

type Nodes = Awaited<ReturnType<typeof optimizedNodes>>;
/** The kernel onnxruntime runs for a source node (fusions keep its name, or add a `_token…` suffix). */
const kernelOf = (nodes: Nodes, name: string) => nodes.find((n) => n.name === name || n.name.startsWith(`${name}_token`))?.opType;
const qdqCount = (nodes: Nodes) => nodes.filter((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear').length;

describe.each(Object.entries(CPUS))("the 'integer-wide' placement on a YOLOv8-style graph (%s rules)", (kind, cpu) => {
  const g = yoloBlocks();
  const built: Record<'wide' | 'path', { model: Model; report: QuantizeReport; nodes: Nodes }> = {} as never;
  beforeAll(async () => {
    for (const [key, placement] of [['wide', 'integer-wide'], ['path', 'integer-path']] as const) {
      const { model, report } = await quantizeModel(structuredClone(g.model), calib(), { calibrator: 'abs_max', cpu, ...PLACEMENT_OPTIONS[placement] });
      built[key] = { model, report, nodes: await optimizedNodes(encodeModel(model)) };
    }
  });

  it('runs every residual Add, inner Concat and SiLU Sigmoid as QLinearAdd / QLinearConcat / QLinearSigmoid', () => {
    const { nodes } = built.wide;
    expect(g.residualAdds).toHaveLength(2);
    for (const add of g.residualAdds) expect(kernelOf(nodes, add)).toBe('QLinearAdd');
    expect(g.innerConcats).toHaveLength(4);
    for (const c of g.innerConcats) expect(kernelOf(nodes, c)).toBe('QLinearConcat');
    // Without VNNI the 3-channel stem conv stays float (cpu-placement.ts), and with it its SiLU.
    const silus = kind === 'avx2' ? g.siluSigmoids.slice(1) : g.siluSigmoids;
    for (const s of silus) expect(kernelOf(nodes, s)).toBe('QLinearSigmoid');
  });

  it("where 'integer-path' leaves the Concats joining a Split's halves (C2f) float, with more Q/DQ left", () => {
    const { nodes } = built.path;
    // The residual Add reads the Split half that the bottleneck's conv quantizes anyway; the C2f Concat
    // also reads the half that only it reads, which nothing quantizes without 'integer-wide'.
    for (const add of g.residualAdds) expect(kernelOf(nodes, add)).toBe('QLinearAdd');
    const splitOutputs = new Set(g.model.graph.node.filter((n) => n.opType === 'Split').flatMap((n) => n.output));
    const joins = g.innerConcats.filter((c) => g.model.graph.node.find((n) => n.name === c)!.input.some((i) => splitOutputs.has(i)));
    expect(joins).toHaveLength(2);
    expect(g.innerConcats.filter((c) => kernelOf(nodes, c) === 'Concat')).toEqual(joins);
    expect(qdqCount(built.wide.nodes)).toBeLessThan(qdqCount(nodes));
  });

  it('runs the Splits and MaxPools (and takes shapes) on the uint8 tensors themselves: no DQ/Q pair around them in the file, the same output unoptimized', async () => {
    const { graph } = built.wide.model;
    const producer = new Map(graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
    const moves = graph.node.filter((n) => n.opType === 'Split' || n.opType === 'MaxPool');
    const inner = moves.filter((n) => !g.tail.includes(n.name!));
    expect(inner).toHaveLength(5); // two C2f Splits, three SPPF MaxPools
    for (const n of inner) expect(producer.get(n.input[0])?.opType).toMatch(/^(QuantizeLinear|Split|MaxPool)$/);
    // The Resize layout rewrite's Shape reads the uint8 tensor: no DQ (and NCHW Transpose) to take a shape.
    const shapes = graph.node.filter((n) => n.opType === 'Shape');
    expect(shapes.length).toBeGreaterThan(0);
    for (const n of shapes) expect(producer.get(n.input[0])?.opType).not.toBe('DequantizeLinear');
    const qdq = (m: Model) => m.graph.node.filter((n) => /QuantizeLinear$/.test(n.opType)).length;
    expect(qdq(built.wide.model)).toBeLessThan(qdq(built.path.model));
    // A valid ONNX graph as written: onnxruntime runs it without its QDQ rewrites to the same output.
    const outputs = await Promise.all((['disabled', 'all'] as const).map(async (graphOptimization) => {
      const s = await ModelSession.create(encodeModel(built.wide.model), { threads: 1, graphOptimization });
      try { return (await s.run(g.feeds, ['output0'])).output0.data as Float32Array; } finally { await s.release(); }
    }));
    const scores = (d: Float32Array) => d.slice(4 * 320); // the class scores, in [0, 1]
    expect(Math.max(...scores(outputs[0]).map((v, i) => Math.abs(v - scores(outputs[1])[i])))).toBeLessThan(0.05);
  });

  it('keeps the decode after the last convs float: the box+class Concats, the Split, the class Sigmoid, the output Concat', () => {
    const { report, nodes } = built.wide;
    expect(g.tail).toHaveLength(6);
    for (const t of g.tail) expect(report.integerOps).not.toContain(t);
    for (const t of g.tail) expect(kernelOf(nodes, t)).toMatch(/^(Concat|Split|Sigmoid)$/);
    // 'integer-path' quantizes the per-scale Concat(box, class): both its inputs are conv outputs.
    expect(kernelOf(built.path.nodes, g.tail[0])).toBe('QLinearConcat');
  });
});

describe("'integer-wide' as a value of the placement search dimension", () => {
  const job = (QuantPost: Record<string, unknown> = {}) => parseJobConfig({
    Global: { model: '/m.onnx', inputs: { images: { shape: [8, 3, 320, 320] } }, calibration_data: { kind: 'images', dir: '/photos', preprocess: { height: 320, width: 320 } } },
    QuantPost,
    HyperParameterOptimization: { max_quant_count: 8 },
  });
  const spaceOf = (doc: ReturnType<typeof compileConfig>) => (doc.steps.search as unknown as { with: { space: Parameters<typeof resolveSpace>[0] } }).with.space;

  it("is one of the placements `qdq_placement: auto` searches, and a fixed qdq_placement of its own", () => {
    const space = resolveSpace(spaceOf(compileConfig(job())));
    expect(space.params.find((p) => p.name === 'placement')?.values).toEqual(['integer-path', 'conv-only', 'integer-wide']);
    expect(ptqTrials(parseJobConfig({ Global: job().Global, QuantPost: { algo: 'mse' } })).map((t) => t.placement)).toEqual(['integer-path', 'conv-only', 'integer-wide']);
    expect(ptqTrials(job({ qdq_placement: 'integer-wide' })).every((t) => t.placement === 'integer-wide')).toBe(true);
  });

  it('is left out of the plans that histories recorded before it replay (widePlacement: false)', () => {
    const space = resolveSpace(spaceOf(compileConfig(job(), 'compress', { widePlacement: false })));
    expect(space.params.find((p) => p.name === 'placement')?.values).toEqual(['integer-path', 'conv-only']);
  });

  it('maps to the quantizer option that takes Split, Slice and MaxPool and keeps the tail float', () => {
    expect(quantizeOptionsFor({ ...ptqTrials(job())[0], placement: 'integer-wide' })).toMatchObject({ integerActivations: true, wideIntegerPath: true });
    expect(quantizeOptionsFor({ ...ptqTrials(job())[0], placement: 'integer-path' }).wideIntegerPath).toBeUndefined();
    expect(WIDE_INTEGER_OPS).toEqual(expect.arrayContaining([...DEFAULT_INTEGER_OPS, 'Split', 'Slice', 'MaxPool']));
    expect(DEFAULT_INTEGER_OPS).not.toEqual(expect.arrayContaining(['Split', 'Slice', 'MaxPool']));
  });
});
