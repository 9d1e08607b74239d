import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeModel, readModel, writeModel, decodeModel } from '../../../core/onnx/model-io';
import { ModelSession } from '../../../core/runtime/session';
import { SlimflowError } from '../../../core/errors';
import { ppocrModel } from '../../fixtures/models';

const cases = [
  { file: 'ch_ppocr_mobile_v2.0_cls_infer.onnx', dims: [2, 3, 48, 192] },
  { file: 'ch_PP-OCRv4_rec_infer.onnx', dims: [1, 3, 48, 320] },
  { file: 'ch_PP-OCRv4_det_infer.onnx', dims: [1, 3, 96, 128] },
];

function pseudoRandom(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

async function outputs(model: string | Uint8Array, dims: number[]) {
  const s = await ModelSession.create(model);
  const x = { dtype: 'float32' as const, dims, data: pseudoRandom(dims.reduce((a, b) => a * b, 1), 7) };
  const out = await s.run({ [s.inputNames[0]]: x });
  await s.release();
  return out;
}

describe('ONNX read/write', () => {
  for (const c of cases) {
    it(`round-trips ${c.file} losslessly: same bytes, same outputs bit for bit`, async () => {
      const file = ppocrModel(c.file);
      const original = fs.readFileSync(file);
      const rewritten = encodeModel(readModel(file));
      expect(Buffer.compare(Buffer.from(rewritten), original)).toBe(0);
      const a = await outputs(file, c.dims);
      const b = await outputs(rewritten, c.dims);
      for (const k of Object.keys(a)) expect(Buffer.from(b[k].data.buffer).equals(Buffer.from(a[k].data.buffer))).toBe(true);
    });
  }

  it('keeps opset imports, metadata and value_info', () => {
    const m = readModel(ppocrModel(cases[0].file));
    m.metadataProps = [{ key: 'k', value: 'v' }];
    m.graph.valueInfo = [{ name: m.graph.node[3].output[0], type: { tensorType: { elemType: 1 } } }];
    m.opsetImport.push({ domain: 'com.example', version: 3 });
    const back = decodeModel(encodeModel(m));
    expect(back.metadataProps).toEqual([{ key: 'k', value: 'v' }]);
    expect(back.graph.valueInfo[0].name).toBe(m.graph.node[3].output[0]);
    expect(back.opsetImport.map((o) => [o.domain, Number(o.version)])).toContainEqual(['com.example', 3]);
  });

  it('writes and reads external data files with identical outputs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-ext-'));
    const src = ppocrModel(cases[0].file);
    const out = path.join(dir, 'cls.onnx');
    writeModel(readModel(src), out, { externalDataThreshold: 1024 });
    expect(fs.statSync(out).size).toBeLessThan(fs.statSync(src).size / 2);
    expect(fs.statSync(`${out}.data`).size).toBeGreaterThan(100_000);
    const back = readModel(out);
    expect(Buffer.compare(Buffer.from(encodeModel(back)), fs.readFileSync(src))).toBe(0);
    const a = await outputs(src, cases[0].dims);
    const b = await outputs(out, cases[0].dims);
    expect(Buffer.from(b['softmax_0.tmp_0'].data.buffer).equals(Buffer.from(a['softmax_0.tmp_0'].data.buffer))).toBe(true);
  });

  it('names the file when it is not ONNX or is truncated', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bad-'));
    const notOnnx = path.join(dir, 'notes.onnx');
    fs.writeFileSync(notOnnx, 'hello, this is text');
    expect(() => readModel(notOnnx)).toThrow(SlimflowError);
    expect(() => readModel(notOnnx)).toThrow(/notes\.onnx/);
    const truncated = path.join(dir, 'cut.onnx');
    fs.writeFileSync(truncated, fs.readFileSync(ppocrModel(cases[0].file)).subarray(0, 5000));
    expect(() => readModel(truncated)).toThrow(/not a readable ONNX model.*cut\.onnx/);
  });
});
