import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { afterAll, describe, expect, it } from 'vitest';
import { iterateBatches } from '../../../core/data/batches';
import { float16ToNumber } from '../../../core/data/dtype';
import { placement, preprocessImage } from '../../../core/data/preprocess';
import { Preprocess, datasetSpecSchema, parseDatasetSpec } from '../../../core/data/spec';
import { collect, slimflowErrorOf } from './expect-error';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slimflow-resize-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A parsed preprocess (defaults filled, aliases resolved) from what a user writes. */
function pre(p: object): Preprocess {
  const s = parseDatasetSpec({ kind: 'images', dir: 'd', preprocess: p });
  if (s.kind !== 'images' || typeof s.preprocess === 'string') throw new Error('unexpected');
  return s.preprocess;
}

/** A w×h picture: left half red, right half blue, with a green diagonal so no two layouts can agree by accident. */
function picture(w: number, h: number) {
  const c = createCanvas(w, h);
  const g = c.getContext('2d');
  g.fillStyle = 'rgb(255, 0, 0)';
  g.fillRect(0, 0, w / 2, h);
  g.fillStyle = 'rgb(0, 0, 255)';
  g.fillRect(w / 2, 0, w / 2, h);
  g.strokeStyle = 'rgb(0, 255, 0)';
  g.beginPath();
  g.moveTo(0, 0);
  g.lineTo(w, h);
  g.stroke();
  return c;
}

const rgbAt = (out: Float32Array, p: Preprocess, x: number, y: number) => {
  const { height: H, width: W } = p;
  return [0, 1, 2].map((c) => (p.layout === 'NHWC' ? out[(y * W + x) * 3 + c] : out[c * H * W + y * W + x]));
};

describe('image resize modes and layouts', () => {
  it('NHWC holds exactly the NCHW values, transposed, in every resize mode', () => {
    const img = picture(37, 23);
    for (const resize of ['pad-right', 'stretch', 'shorter-side-center-crop', 'letterbox']) {
      const nchw = pre({ height: 12, width: 16, resize, mean: [0.4, 0.5, 0.6], std: [0.2, 0.3, 0.4] });
      const nhwc = { ...nchw, layout: 'NHWC' as const };
      const a = preprocessImage(img, nchw);
      const b = preprocessImage(img, nhwc);
      expect(b.length).toBe(a.length);
      for (let y = 0; y < 12; y++) for (let x = 0; x < 16; x++) expect(rgbAt(b, nhwc, x, y)).toEqual(rgbAt(a, nchw, x, y));
    }
  });

  it('places a shorter-side resize + center crop as torchvision does (longer side truncated, offsets rounded half-even)', () => {
    const p = pre({ height: 8, width: 8, resize: 'shorter-side-center-crop', resize_size: 10 });
    expect(placement(40, 20, p)).toEqual({ x: -6, y: -1, width: 20, height: 10 });
    expect(placement(30, 21, p)).toEqual({ x: -3, y: -1, width: 14, height: 10 }); // 10·30/21 = 14.28 → 14
    expect(placement(13, 10, p)).toEqual({ x: -2, y: -1, width: 13, height: 10 }); // (13−8)/2 = 2.5 → 2
    expect(placement(10, 40, p)).toEqual({ x: -1, y: -16, width: 10, height: 40 });
    // Default resize_size: the 224/256 ratio.
    expect(pre({ height: 224, width: 224, resize: 'shorter-side-center-crop' }).resize_size).toBe(256);
  });

  it('crops the centre: the left columns of a red|blue picture are red, the right ones blue', () => {
    const p = pre({ height: 8, width: 8, resize: 'shorter-side-center-crop', resize_size: 10, channelOrder: 'RGB', scale: 1 });
    const c = createCanvas(40, 20);
    const g = c.getContext('2d');
    g.fillStyle = 'rgb(255, 0, 0)';
    g.fillRect(0, 0, 20, 20);
    g.fillStyle = 'rgb(0, 0, 255)';
    g.fillRect(20, 0, 20, 20);
    const out = preprocessImage(c, p);
    // Resized 20×10, crop from column 6: output columns 0–3 are resized 6–9 (red), 4–7 are 10–13 (blue).
    expect(rgbAt(out, p, 1, 4)).toEqual([255, 0, 0]);
    expect(rgbAt(out, p, 6, 4)).toEqual([0, 0, 255]);
  });

  it('letterboxes as YOLO does: aspect kept, centred, borders of pad_value', () => {
    const p = pre({ height: 16, width: 16, resize: 'letterbox', channelOrder: 'RGB' });
    expect(p.pad_value).toBe(114);
    expect(placement(40, 20, p)).toEqual({ x: 0, y: 4, width: 16, height: 8 });
    expect(placement(30, 20, p)).toEqual({ x: 0, y: 2, width: 16, height: 11 }); // dh 2.5: top 2, bottom 3
    const c = createCanvas(40, 20);
    const g = c.getContext('2d');
    g.fillStyle = 'rgb(255, 255, 255)';
    g.fillRect(0, 0, 40, 20);
    const out = preprocessImage(c, p);
    const grey = 114 / 255;
    for (const y of [0, 3, 12, 15]) expect(rgbAt(out, p, 8, y).map((v) => v.toFixed(6))).toEqual(Array(3).fill(grey.toFixed(6)));
    for (const y of [4, 11]) expect(rgbAt(out, p, 8, y)).toEqual([1, 1, 1]);
  });

  it('keeps keepAspect as an alias of resize, and pad-right as the default', () => {
    expect(pre({ height: 4, width: 8 })).toMatchObject({ resize: 'pad-right', keepAspect: true });
    expect(pre({ height: 4, width: 8, keepAspect: false })).toMatchObject({ resize: 'stretch', keepAspect: false });
    expect(pre({ height: 4, width: 8, resize: 'letterbox' }).keepAspect).toBe(true);
    const p = pre({ height: 4, width: 8, keepAspect: false });
    expect(parseDatasetSpec(JSON.parse(JSON.stringify({ kind: 'images', dir: 'd', preprocess: p })))).toEqual({ kind: 'images', dir: 'd', preprocess: p });
  });

  it('names the key and lists the allowed values of a wrong layout, resize or channel order', async () => {
    const cases: [object, string, RegExp][] = [
      [{ layout: 'NWHC' }, 'layout', /must be one of "NCHW", "NHWC", got "NWHC"/],
      [{ resize: 'crop' }, 'resize', /must be one of "pad-right", "stretch", "shorter-side-center-crop", "letterbox"/],
      [{ channelOrder: 'rgb' }, 'channelOrder', /must be one of "BGR", "RGB"/],
      [{ resize: 'stretch', keepAspect: true }, 'keepAspect', /contradicts resize/],
      [{ resize: 'shorter-side-center-crop', resize_size: 6 }, 'resize_size', /at least max\(height, width\) = 8/],
    ];
    for (const [extra, key, message] of cases) {
      const e = await slimflowErrorOf(() => parseDatasetSpec({ kind: 'images', dir: 'd', preprocess: { height: 4, width: 8, ...extra } }));
      expect(e.path).toBe(`dataset.preprocess.${key}`);
      expect(e.message).toMatch(message);
    }
    // The config loader prints only the union's own message: it must name the keys too.
    const raw = datasetSpecSchema.safeParse({ kind: 'images', dir: 'd', preprocess: { height: 4, width: 8, layout: 'NHWX' } });
    expect(raw.error?.issues[0].message).toMatch(/^layout: must be one of "NCHW", "NHWC", got "NHWX"$/);
    const preset = await slimflowErrorOf(() => parseDatasetSpec({ kind: 'images', dir: 'd', preprocess: 'imagenet' }));
    expect(preset.message).toMatch(/unknown preset; presets: ppocr-cls, ppocr-rec, ppocr-det/);
  });

  it('feeds an NHWC float16 input from a JPEG folder: dims [n, H, W, 3], values within float16 rounding', async () => {
    const dir = path.join(root, 'jpeg');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'a.jpg'), picture(64, 48).toBuffer('image/jpeg', 95));
    fs.writeFileSync(path.join(dir, 'b.png'), picture(48, 64).toBuffer('image/png'));
    const preprocess = { height: 32, width: 32, resize: 'shorter-side-center-crop', layout: 'NHWC', channelOrder: 'RGB', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const spec = { kind: 'images', dir, preprocess };
    const feed = [{ name: 'input_1', dtype: 'float16' as const, shape: [2, 32, 32, 3] }];
    const [half] = await collect(iterateBatches(spec, { batchSize: 2, feed }));
    expect(half.ids).toEqual(['a.jpg', 'b.png']);
    expect(half.inputs.input_1).toMatchObject({ dtype: 'float16', dims: [2, 32, 32, 3] });
    const [full] = await collect(iterateBatches(spec, { batchSize: 2, feed: [{ ...feed[0], dtype: 'float32' }] }));
    const f32 = full.inputs.input_1.data as Float32Array;
    const f16 = half.inputs.input_1.data as Uint16Array;
    f32.forEach((v, i) => expect(Math.abs(float16ToNumber(f16[i]) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -24));
    // The NCHW batch shape is refused for NHWC samples, naming the input.
    const e = await slimflowErrorOf(() => collect(iterateBatches(spec, { batchSize: 2, feed: [{ ...feed[0], shape: [2, 3, 32, 32] }] })));
    expect(e.message).toMatch(/input "input_1" has shape \[32, 32, 3\], the input's batch shape \[2, 3, 32, 32\] needs \[3, 32, 32\]/);
  });
});
