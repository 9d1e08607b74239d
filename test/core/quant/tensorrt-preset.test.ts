import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createValidationActivities } from '../../../activities/validate-candidate';
import { LocalArtifactStore } from '../../../core/artifacts/store';
import { iterateBatches } from '../../../core/data/batches';
import { AgreementMeter } from '../../../core/metrics/agreement';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { prepareModel } from '../../../core/onnx/prepare';
import { DataType, Model } from '../../../core/onnx/proto';
import { quantizeModel, QuantizeReport } from '../../../core/quant/ptq';
import { ModelSession } from '../../../core/runtime/session';
import { Tensor } from '../../../core/tensor';
import { CLS_MODEL, ppocrModel } from '../../fixtures/models';

async function* lines(seed: number, count: number): AsyncGenerator<Record<string, Tensor>> {
  for await (const b of iterateBatches({ kind: 'rendered-textlines', task: 'cls', count, seed }, { batchSize: 8 })) yield b.inputs;
}

const ops = (m: Model, type: string) => m.graph.node.filter((n) => n.opType === type);

describe("the TensorRT preset (QuantPost.deploy_backend: 'tensorrt') on the PP-OCR classifier", () => {
  const fp32 = readModel(ppocrModel(CLS_MODEL));
  let trt: Model;
  let report: QuantizeReport;
  /** Top-1 agreement of the simulated int8 model on the 64 seed-99 lines (measured directly below). */
  let simulatedAgreement = NaN;
  beforeAll(async () => {
    ({ model: trt, report } = await quantizeModel(fp32, lines(3, 32), { calibrator: 'abs_max', backend: 'tensorrt' }));
  }, 120_000);

  it('is symmetric int8 everywhere: every zero point is an int8 (or int32 bias) zero', () => {
    const init = new Map(trt.graph.initializer.map((t) => [t.name, t]));
    const zeroPoints = [...ops(trt, 'QuantizeLinear'), ...ops(trt, 'DequantizeLinear')].map((n) => init.get(n.input[2])!);
    expect(zeroPoints.length).toBeGreaterThan(100);
    for (const z of zeroPoints) {
      expect([DataType.INT8, DataType.INT32]).toContain(z.dataType);
      const raw = z.rawData ?? new Uint8Array(0);
      expect(raw.every((b) => b === 0)).toBe(true);
    }
    // Activation quantizers are int8 too, not only the weights.
    expect(ops(trt, 'QuantizeLinear').every((n) => init.get(n.input[2])!.dataType === DataType.INT8)).toBe(true);
  });

  it('uses full 8-bit weights, quantizes the 3-channel stem, and leaves every Relu in place', () => {
    const init = new Map(trt.graph.initializer.map((t) => [t.name, t]));
    const weights = ops(trt, 'DequantizeLinear').map((n) => init.get(n.input[0])).filter((t) => t !== undefined && t.dataType === DataType.INT8 && (t.dims ?? []).length === 4).map((t) => t!);
    const peak = Math.max(...weights.map((t) => Math.max(...Array.from(new Int8Array(t.rawData!.buffer, t.rawData!.byteOffset, t.rawData!.length), Math.abs))));
    expect(peak).toBe(127);
    expect(report.skippedNodes).toEqual([]);
    // A symmetric quantizer does not clamp at 0, so no Relu is absorbed into one.
    expect(ops(trt, 'Relu').length).toBe(ops(prepareModel(fp32).model, 'Relu').length);
    expect(ops(trt, 'Relu').length).toBeGreaterThan(0);
  });

  it('agrees with FP32 when its int8 arithmetic is simulated (as validation scores it)', async () => {
    const teacher = await ModelSession.create(encodeModel(fp32));
    const student = await ModelSession.create(encodeModel(trt), { graphOptimization: 'basic' });
    const meter = new AgreementMeter();
    try {
      for await (const b of lines(99, 64)) meter.update(Object.values(await teacher.run(b))[0], Object.values(await student.run(b))[0]);
    } finally {
      await Promise.all([teacher.release(), student.release()]);
    }
    expect(meter.value().samples).toBe(64);
    expect(meter.value().top1).toBeGreaterThanOrEqual(0.95);
    simulatedAgreement = meter.value().top1;
  }, 60_000);

  it('is scored by validateCandidate with its int8 arithmetic simulated, not by the CPU integer kernels', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-trt-'));
    try {
      const store = new LocalArtifactStore(dir);
      const { validateCandidate } = createValidationActivities({ store, threads: 1 });
      const common = {
        model: await store.put(encodeModel(trt), 'model', 'onnx'), teacher: await store.put(encodeModel(fp32), 'model', 'onnx'),
        eval: { kind: 'rendered-textlines', task: 'cls', count: 64, seed: 99 }, input: { name: 'x', shape: [8, 3, 48, 192], threads: 1, task: 'ocr-cls' },
      };
      const simulated = await validateCandidate({ ...common, config: { backend: 'tensorrt' } });
      const fused = await validateCandidate(common);
      // The same figure as the simulated session's on the same lines; the fused kernels can only lose
      // (full-range weights saturate onnxruntime's u8·s8 pair sums on AVX2 without VNNI: 93% here).
      expect(simulated.agreement).toBe(simulatedAgreement);
      expect(simulated.agreement).toBeGreaterThanOrEqual(fused.agreement);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
