import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { iterateBatches } from '../../../core/data/batches';
import { writeNpy } from '../../../core/data/npy';
import { bindFeed } from '../../../core/feed';
import { graphInputs } from '../../../core/onnx/graph-inputs';
import { encodeModel } from '../../../core/onnx/model-io';
import { ModelSession } from '../../../core/runtime/session';
import { Tensor } from '../../../core/tensor';
import { int64Embedding, nhwcTransposeHead } from '../../fixtures/export-styles';
import { collect } from './expect-error';
import { wordPieceTokenizer } from './wordpiece';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-feeds-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Every output of the model on every batch's inputs. */
async function runAll(model: Uint8Array, batches: { inputs: Record<string, Tensor> }[]): Promise<Tensor[]> {
  const s = await ModelSession.create(model);
  try {
    const out: Tensor[] = [];
    for (const b of batches) out.push(...Object.values(await s.run(b.inputs)));
    return out;
  } finally {
    await s.release();
  }
}

describe('batches feed real graphs through onnxruntime', () => {
  it('text → int64 input_ids and attention_mask of a BERT-style graph; the same arrays as npz give the same embeddings', async () => {
    const g = int64Embedding({ opset: 17, weights: 'initializers' });
    const feed = bindFeed(graphInputs(g.model), { input_ids: [4, 12], attention_mask: [4, 12] });
    expect(feed.map((f) => f.dtype)).toEqual(['int64', 'int64']);
    const tokenizer = path.join(root, 'tokenizer.json');
    fs.writeFileSync(tokenizer, JSON.stringify(wordPieceTokenizer(['the', 'software', 'license', 'may', 'be', 'copied', '.'])));
    const text = path.join(root, 'a.txt');
    fs.writeFileSync(text, 'The software license.\n\nThe software may be copied.\n\nLicense.\n\nThe license may be the license of the software.\n\nCopied.\n');
    const fromText = await collect(iterateBatches({ kind: 'text', files: [text], tokenizer }, { batchSize: 4, feed, require: 5 }));
    expect(fromText.map((b) => b.ids.length)).toEqual([4, 1]);
    const model = encodeModel(g.model);
    const a = await runAll(model, fromText);
    expect(a.map((t) => t.dims)).toEqual([[4, 8], [1, 8]]);
    for (const t of a) expect((t.data as Float32Array).every(Number.isFinite)).toBe(true);

    // The same token arrays written as np.savez would: identical embeddings.
    const cat = (name: string): Tensor => {
      const parts = fromText.map((b) => b.inputs[name].data as BigInt64Array);
      const data = new BigInt64Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((o, p) => (data.set(p, o), o + p.length), 0);
      return { dtype: 'int64', dims: [5, 12], data };
    };
    const npz = path.join(root, 'tokens.npz');
    fs.writeFileSync(npz, zipSync({ 'input_ids.npy': writeNpy(cat('input_ids')), 'attention_mask.npy': writeNpy(cat('attention_mask')) }, { level: 0 }));
    const b = await runAll(model, await collect(iterateBatches({ kind: 'npz', files: [npz] }, { batchSize: 4, feed })));
    expect(b.map((t) => Array.from(t.data as Float32Array))).toEqual(a.map((t) => Array.from(t.data as Float32Array)));
  });

  it('an NHWC image folder feeds a tf2onnx-style NHWC graph', async () => {
    const g = nhwcTransposeHead({ opset: 13, weights: 'initializers' });
    const feed = bindFeed(graphInputs(g.model), { input_1: [2, 8, 8, 3] });
    const dir = path.join(root, 'photos');
    fs.mkdirSync(dir);
    for (const [name, colour] of [['a.png', '#c04020'], ['b.jpg', '#2080f0'], ['c.png', '#10a010']]) {
      const c = createCanvas(30, 20);
      const ctx = c.getContext('2d');
      ctx.fillStyle = colour;
      ctx.fillRect(0, 0, 30, 20);
      fs.writeFileSync(path.join(dir, name), name.endsWith('.jpg') ? c.toBuffer('image/jpeg') : c.toBuffer('image/png'));
    }
    const preprocess = { height: 8, width: 8, resize: 'letterbox', layout: 'NHWC', channelOrder: 'RGB' };
    const batches = await collect(iterateBatches({ kind: 'images', dir, preprocess }, { batchSize: 2, feed, require: 3 }));
    const probs = await runAll(encodeModel(g.model), batches);
    expect(probs.map((t) => t.dims)).toEqual([[2, 5], [1, 5]]);
    for (const t of probs) {
      const p = t.data as Float32Array;
      for (let i = 0; i < t.dims[0]; i++) expect(p.slice(i * 5, i * 5 + 5).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    }
  });
});
