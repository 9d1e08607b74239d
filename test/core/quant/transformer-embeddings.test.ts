// Embedding tables as int8 (QuantPost.quantize_embeddings): the Gather tables of an encoder stored
// with per-row scales, for static and dynamic quantization. The file shrinks by what the tables
// gave up, onnxruntime gathers from the int8 table (no run-time dequantization of the whole table),
// and the outputs stay close to those with float tables.
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../../core/onnx/model-io';
import { DataType, Model } from '../../../core/onnx/proto';
import { quantizeDynamic } from '../../../core/quant/dynamic';
import { quantizeEmbeddings } from '../../../core/quant/embedding';
import { quantizeModel } from '../../../core/quant/ptq';
import { optimizedNodes } from '../../../core/runtime/kernels';
import type { Tensor } from '../../../core/tensor';
import { cosineOf, runOutput } from './run-output';
import { DIM, encoder, tokens, VOCAB } from '../../fixtures/encoder';
import { tinyBert } from '../latency/transformer-fixture';

/** The int8 initializers a model's Gathers read their rows from. */
const int8Tables = (m: Model) => {
  const int8 = new Map(m.graph.initializer.filter((t) => t.dataType === DataType.INT8).map((t) => [t.name, t]));
  return m.graph.node.filter((n) => n.opType === 'Gather' && int8.has(n.input[0])).map((n) => int8.get(n.input[0])!);
};

const scheme = {
  static: async (m: Model, feeds: Record<string, Tensor>, quantizeEmbeddings: boolean) =>
    (await quantizeModel(m, (async function* () { yield feeds; })(), { calibrator: 'abs_max', quantizeEmbeddings })).model,
  dynamic: async (m: Model, _feeds: Record<string, Tensor>, quantizeEmbeddings: boolean) => quantizeDynamic(m, { quantizeEmbeddings }).model,
};

describe('int8 embedding tables', () => {
  for (const kind of ['static', 'dynamic'] as const) {
    it(`${kind}: the encoder's tables become int8, the file shrinks by their bytes and the output stays close`, async () => {
      const { model, feeds } = tinyBert(2);
      const [float, int8] = [await scheme[kind](model, feeds, false), await scheme[kind](tinyBert(2).model, feeds, true)];
      // Word and position tables: [64, 32] and [32, 32] float, 12 KB, to a quarter plus one scale per row.
      const tables = int8Tables(int8);
      expect(tables.map((t) => t.dims!.map(Number))).toEqual(expect.arrayContaining([[64, 32], [32, 32]]));
      expect(int8Tables(float)).toHaveLength(0);
      const saved = encodeModel(float).length - encodeModel(int8).length;
      const floatTableBytes = 4 * (64 + 32) * 32;
      const int8TableBytes = (64 + 32) * 32 + 4 * (64 + 32);
      // Less than the exact difference only by the few nodes that scale the gathered rows.
      expect(saved).toBeGreaterThan(0.9 * (floatTableBytes - int8TableBytes));
      expect(saved).toBeLessThanOrEqual(floatTableBytes - int8TableBytes);
      const [a, b] = [await runOutput(encodeModel(float), feeds, 'last_hidden_state'), await runOutput(encodeModel(int8), feeds, 'last_hidden_state')];
      expect(cosineOf(a, b)).toBeGreaterThan(0.995);
      // onnxruntime gathers the int8 rows: no DequantizeLinear (or float copy) of a whole table at run time.
      const nodes = await optimizedNodes(encodeModel(int8));
      const tableNames = new Set(tables.map((t) => t.name));
      expect(nodes.filter((n) => n.opType === 'Gather' && tableNames.has(n.input[0]))).toHaveLength(tables.length);
      expect(nodes.filter((n) => n.opType !== 'Gather' && n.input.some((i) => tableNames.has(i)))).toHaveLength(0);
    });
  }

  it('keeps the encoder fixture\'s sentence embedding within cosine 0.999 of FP32', async () => {
    const model = encoder();
    const feeds = tokens(4, 3);
    const report = quantizeEmbeddings(model);
    expect(report.quantized).toEqual([{ table: 'embedding', dims: [VOCAB, DIM] }]);
    expect(report.bytesAfter).toBe(VOCAB * DIM + 4 * VOCAB);
    const [ref, got] = [await runOutput(encodeModel(encoder()), feeds, 'sentence_embedding'), await runOutput(encodeModel(model), feeds, 'sentence_embedding')];
    expect(cosineOf(ref, got)).toBeGreaterThan(0.999);
  });

  it('leaves a table float when another op than a row Gather reads it (tied weights)', () => {
    const model = encoder();
    // The projection reads the embedding table too, as a tied output layer would.
    model.graph.node.push({ opType: 'MatMul', input: ['hidden', 'embedding'], output: ['tied'], name: 'tied', attribute: [] });
    const report = quantizeEmbeddings(model);
    expect(report.quantized).toHaveLength(0);
    expect(report.skipped).toEqual([{ table: 'embedding', reason: 'the table is also read by other ops than a row Gather' }]);
  });
});
