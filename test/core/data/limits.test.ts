import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { countSamples, iterateBatches } from '../../../core/data/batches';
import { readImageSize } from '../../../core/data/image-header';
import { readLabelsFile } from '../../../core/data/labels';
import { writeNpy } from '../../../core/data/npy';
import { collect, slimflowErrorOf } from './expect-error';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-limits-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const ENV = ['SLIMFLOW_MAX_IMAGE_PIXELS', 'SLIMFLOW_MAX_IMAGE_BYTES', 'SLIMFLOW_MAX_INPUT_BYTES'];
afterEach(() => ENV.forEach((k) => delete process.env[k]));

function folderWith(name: string, files: Record<string, Uint8Array>): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, b] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), b);
  return dir;
}

/** The first 33 bytes of a PNG: signature and an IHDR claiming w×h RGBA; no pixel data follows. */
function pngHeader(w: number, h: number): Uint8Array {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  b.set([8, 6, 0, 0, 0], 24);
  return b;
}

const png = (w: number, h: number) => createCanvas(w, h).toBuffer('image/png');
const images = (dir: string) => ({ kind: 'images', dir, preprocess: { height: 4, width: 4, resize: 'stretch' } });

describe('input caps', () => {
  it('reads width and height from PNG, JPEG, WebP, GIF and BMP headers', () => {
    const c = createCanvas(37, 21);
    expect(readImageSize(c.toBuffer('image/png'))).toEqual({ format: 'png', width: 37, height: 21 });
    expect(readImageSize(c.toBuffer('image/jpeg'))).toEqual({ format: 'jpeg', width: 37, height: 21 });
    expect(readImageSize(c.toBuffer('image/webp'))).toMatchObject({ format: 'webp', width: 37, height: 21 });
    const gif = Buffer.alloc(13);
    gif.write('GIF89a', 0, 'latin1');
    gif.writeUInt16LE(300, 6);
    gif.writeUInt16LE(200, 8);
    expect(readImageSize(gif)).toEqual({ format: 'gif', width: 300, height: 200 });
    const bmp = Buffer.alloc(30);
    bmp.write('BM', 0, 'latin1');
    bmp.writeInt32LE(640, 18);
    bmp.writeInt32LE(-480, 22); // top-down rows
    expect(readImageSize(bmp)).toEqual({ format: 'bmp', width: 640, height: 480 });
    expect(readImageSize(Buffer.from('not an image'))).toBeUndefined();
  });

  it('refuses a 20000×20000 PNG from its header, before decoding, naming the file', async () => {
    const dir = folderWith('huge', { 'ok.png': png(8, 8), 'huge.png': pngHeader(20000, 20000) });
    const e = await slimflowErrorOf(() => collect(iterateBatches(images(dir), { batchSize: 2 })));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe(path.join(dir, 'huge.png'));
    // Decoding would have failed with a decoder error (the file holds no pixel data): the cap spoke first.
    expect(e.message).toMatch(/the 20000×20000 PNG image is 400000000 pixels, above the limit of 40000000 \(set SLIMFLOW_MAX_IMAGE_PIXELS/);
  });

  it('takes the pixel and byte caps from the environment', async () => {
    const dir = folderWith('small', { 'a.png': png(20, 10) });
    process.env.SLIMFLOW_MAX_IMAGE_PIXELS = '199';
    const jpegDir = folderWith('jpeg', { 'a.jpg': createCanvas(20, 10).toBuffer('image/jpeg') });
    expect((await slimflowErrorOf(() => collect(iterateBatches(images(dir), { batchSize: 1 })))).message).toMatch(/20×10 PNG image is 200 pixels, above the limit of 199/);
    expect((await slimflowErrorOf(() => collect(iterateBatches(images(jpegDir), { batchSize: 1 })))).message).toMatch(/20×10 JPEG image is 200 pixels/);
    process.env.SLIMFLOW_MAX_IMAGE_PIXELS = '200';
    expect(await collect(iterateBatches(images(dir), { batchSize: 1 }))).toHaveLength(1);
    process.env.SLIMFLOW_MAX_IMAGE_BYTES = '16';
    const big = await slimflowErrorOf(() => collect(iterateBatches(images(dir), { batchSize: 1 })));
    expect(big.path).toBe(path.join(dir, 'a.png'));
    expect(big.message).toMatch(/image file size is \d+ bytes, above the limit of 16 \(set SLIMFLOW_MAX_IMAGE_BYTES/);
    process.env.SLIMFLOW_MAX_IMAGE_BYTES = 'lots';
    const env = await slimflowErrorOf(() => collect(iterateBatches(images(dir), { batchSize: 1 })));
    expect(env.code).toBe('INVALID_CONFIG');
    expect(env.path).toBe('SLIMFLOW_MAX_IMAGE_BYTES');
  });

  it('caps .npy files by size before reading them', async () => {
    const dir = folderWith('npy', { 'a.npy': writeNpy({ dtype: 'float32', dims: [1, 1, 8, 8], data: new Float32Array(64) }) });
    process.env.SLIMFLOW_MAX_INPUT_BYTES = '100';
    const e = await slimflowErrorOf(() => countSamples({ kind: 'npy', dir }));
    expect(e.path).toBe(path.join(dir, 'a.npy'));
    expect(e.message).toMatch(/\.npy file size is \d+ bytes, above the limit of 100/);
  });
});

describe('sample counts', () => {
  it('fails a consumer asking for more samples than the dataset yields, naming the config key', async () => {
    const dir = folderWith('two', { 'a.png': png(8, 8), 'b.png': png(8, 8) });
    const e = await slimflowErrorOf(() => collect(iterateBatches(images(dir), { batchSize: 8, limit: 64, require: 64, key: 'Global.calibration_data' })));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe('Global.calibration_data');
    expect(e.message).toBe(`the dataset (${dir}) yielded 2 samples, the config asks for 64 (at Global.calibration_data)`);
    expect((await slimflowErrorOf(() => countSamples(images(dir), { require: 3, key: 'Global.eval_data' }))).message).toMatch(/yielded 2 samples, the config asks for 3/);
    expect(await countSamples(images(dir), { require: 2 })).toBe(2);
  });

  it('returns what it yielded as the generator result', async () => {
    const dir = folderWith('pair', { 'a.png': png(8, 8), 'b.png': png(8, 8) });
    const gen = iterateBatches(images(dir), { batchSize: 1, require: 2 });
    let r = await gen.next();
    let batches = 0;
    while (!r.done) {
      batches++;
      r = await gen.next();
    }
    expect(batches).toBe(2);
    expect(r.value).toEqual({ samples: 2, where: dir });
  });
});

describe('labels file errors', () => {
  it('name the file and line and what was expected, never the line (a labels path pointed at the password file)', async () => {
    const f = path.join(root, 'passwd');
    fs.writeFileSync(f, 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n');
    const e = await slimflowErrorOf(() => readLabelsFile(f));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe(`${f}:1`);
    expect(e.message).toMatch(/expected "<image file name> <class index>"/);
    expect(e.message).not.toMatch(/root|bash/);
    fs.writeFileSync(f, 'a.png 0\nsecret words here\n');
    const idx = await slimflowErrorOf(() => readLabelsFile(f));
    expect(idx.path).toBe(`${f}:2`);
    expect(idx.message).not.toMatch(/secret|words|here/);
    fs.writeFileSync(f, 'my secret.png 0\nmy secret.png 1\n');
    const twice = await slimflowErrorOf(() => readLabelsFile(f));
    expect(twice.message).toMatch(/same image as line 1/);
    expect(twice.message).not.toMatch(/secret/);
  });
});

describe('memory per batch', () => {
  it('refuses a batch whose tensor would pass the element cap, on its first sample, and image sides past the cap', async () => {
    const dir = folderWith('wide', { 'x.npy': writeNpy({ dtype: 'float32', dims: [1, 1, 1, 1 << 22], data: new Float32Array(1 << 22) }) });
    // 2^22 elements per sample × 128 per batch = 2^29 > 2^28, refused before the batch is gathered.
    const e = await slimflowErrorOf(() => collect(iterateBatches({ kind: 'npy', dir }, { batchSize: 128 })));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.path).toBe(`${dir}/x.npy[0]`);
    expect(e.message).toMatch(/a batch of 128 samples of input "x" \(\[1, 1, 4194304\] each\) would hold 536870912 elements, more than the limit 268435456/);
    expect(await collect(iterateBatches({ kind: 'npy', dir }, { batchSize: 8 }))).toHaveLength(1);
    const side = await slimflowErrorOf(() => countSamples({ kind: 'images', dir, preprocess: { height: 20000, width: 4 } }));
    expect(side.path).toBe('dataset.preprocess.height');
  });
});
