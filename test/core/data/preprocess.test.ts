import { describe, expect, it } from 'vitest';
import { createCanvas } from '@napi-rs/canvas';
import { normalizeRgba, paddleOcrClsPreprocess, preprocessImage, resizedWidth } from '../../../core/data/preprocess';

describe('preprocess', () => {
  const cls = paddleOcrClsPreprocess();

  it('resizes to height 48 keeping aspect, capped at the target width (PaddleOCR rule)', () => {
    expect(resizedWidth(100, 50, cls)).toBe(96); // ceil(48·100/50)
    expect(resizedWidth(101, 50, cls)).toBe(97); // ceil(96.96)
    expect(resizedWidth(1000, 20, cls)).toBe(192); // capped
    expect(resizedWidth(5, 100, cls)).toBe(3); // ceil(2.4)
    expect(resizedWidth(100, 50, { ...cls, keepAspect: false })).toBe(192);
  });

  it('normalizes to (x/255−0.5)/0.5 in BGR plane order and pads with zeros', () => {
    const p = { ...cls, height: 1, width: 3 };
    // Two pixels: (R,G,B) = (255,0,51) and (0,255,102).
    const rgba = new Uint8ClampedArray([255, 0, 51, 255, 0, 255, 102, 255]);
    const out = normalizeRgba(rgba, 2, p);
    const f = (x: number) => (x / 255 - 0.5) / 0.5;
    const expected = [f(51), f(102), 0, f(0), f(255), 0, f(255), f(0), 0]; // B plane, G plane, R plane
    expect(Array.from(out)).toHaveLength(9);
    Array.from(out).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('keeps RGB order and per-channel mean/std when asked', () => {
    const p = { ...cls, height: 1, width: 1, channelOrder: 'RGB' as const, mean: [0.1, 0.2, 0.3] as [number, number, number], std: [0.5, 0.25, 1] as [number, number, number] };
    const out = normalizeRgba(new Uint8ClampedArray([255, 0, 51, 255]), 1, p);
    expect(out[0]).toBeCloseTo((1 - 0.1) / 0.5, 6);
    expect(out[1]).toBeCloseTo((0 - 0.2) / 0.25, 6);
    expect(out[2]).toBeCloseTo(0.2 - 0.3, 6);
  });

  it('turns a uniform picture into uniform planes with zero padding after the resized width', () => {
    const c = createCanvas(40, 20);
    const g = c.getContext('2d');
    g.fillStyle = 'rgb(255, 0, 0)';
    g.fillRect(0, 0, 40, 20);
    const out = preprocessImage(c, cls); // resized to 96 wide
    const plane = 48 * 192;
    expect(out[0]).toBeCloseTo(-1, 5); // B = 0
    expect(out[2 * plane + 95]).toBeCloseTo(1, 5); // R = 255, last resized column
    expect(out[2 * plane + 96]).toBe(0); // padding
    expect(out[plane + 47 * 192 + 191]).toBe(0);
  });
});
