import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../core/onnx/analysis';
import { encodeModel, readModel } from '../../../core/onnx/model-io';
import { Model } from '../../../core/onnx/proto';
import { ModelSession } from '../../../core/runtime/session';
import { parseTrainConfig } from '../../../core/train/config';
import { loadSampleSet, openTrainingRun, trainOneEpoch } from '../../../core/train/run';
import '../../../core/train/strategies';
import { CLS_MODEL, ppocrModel } from '../../fixtures/models';

/** One epoch of `strategy` on `student`, distilled from `teacher`; the exported student. */
async function trainOnce(student: Model, teacher: Model, strategy: Record<string, unknown>): Promise<Model> {
  const config = parseTrainConfig({ samples: 8, batchSize: 4, seed: 1, strategy, schedule: { kind: 'constant', lr: 1e-4 } });
  const set = await loadSampleSet({ kind: 'rendered-textlines', task: 'cls', count: 8, seed: 52 }, 8, 'x');
  const run = await openTrainingRun(student, teacher, set, config);
  try {
    const { losses } = await trainOneEpoch(run, 0);
    expect(losses.every(Number.isFinite)).toBe(true);
    return await run.strategy.exportModel();
  } finally {
    await run.trainer.release();
  }
}

describe('channel pruning then QAT (the chained job)', () => {
  it('quantizes the pruned student, distilled from the original model, into a smaller QDQ model that runs', async () => {
    const original = readModel(ppocrModel(CLS_MODEL));
    const pruned = await trainOnce(original, original, { kind: 'channel-prune', params: { ratio: 0.3, criterion: 'geometric_median' } });
    const quantized = await trainOnce(pruned, original, { kind: 'qat' });
    const ops = new Set(quantized.graph.node.map((n) => n.opType));
    expect(ops.has('QuantizeLinear') && ops.has('DequantizeLinear')).toBe(true);
    // Still the pruned structure: QAT changed weights and added Q/DQ, not channels.
    const convOut = (m: Model) => {
      // Weights are initializers or Constant nodes (paddle2onnx's style, which export keeps).
      const dims = new Map([
        ...m.graph.initializer.map((t) => [t.name, (t.dims ?? []).map(Number)] as const),
        ...m.graph.node.filter((n) => n.opType === 'Constant').map((n) => [n.output[0], (n.attribute[0]?.t?.dims ?? []).map(Number)] as const),
      ]);
      const dq = new Map(m.graph.node.filter((n) => n.opType === 'DequantizeLinear').map((n) => [n.output[0], n.input[0]]));
      return m.graph.node.filter((n) => n.opType === 'Conv').map((n) => dims.get(dq.get(n.input[1]) ?? n.input[1])?.[0]);
    };
    expect(convOut(pruned).every((c) => Number.isInteger(c) && c! > 0)).toBe(true);
    expect(convOut(pruned)).not.toEqual(convOut(original));
    expect(convOut(quantized)).toEqual(convOut(pruned));
    expect(analyzeModel(pruned).paramCount).toBeLessThan(analyzeModel(original).paramCount * 0.9);
    const s = await ModelSession.create(encodeModel(quantized));
    try {
      const out = Object.values(await s.run({ x: { dtype: 'float32', dims: [1, 3, 48, 192], data: new Float32Array(3 * 48 * 192).fill(0.1) } }))[0];
      expect(out.dims).toEqual([1, 2]);
    } finally {
      await s.release();
    }
  }, 240_000);
});
