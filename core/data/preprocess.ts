import { createCanvas, Canvas, Image } from '@napi-rs/canvas';
import { Preprocess } from './spec';

/** Anything @napi-rs/canvas can draw: a decoded image or another canvas. */
export type Drawable = Image | Canvas;

/** PaddleOCR's text-direction classifier preprocessing: BGR, height 48, keep aspect, (x/255−0.5)/0.5, zero-pad right. */
export function paddleOcrClsPreprocess(width = 192, height = 48): Preprocess {
  return { height, width, keepAspect: true, scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channelOrder: 'BGR', layout: 'NCHW' };
}

/** PaddleOCR's recognizer preprocessing: the same as cls, but 320 wide by default. */
export function paddleOcrRecPreprocess(width = 320, height = 48): Preprocess {
  return paddleOcrClsPreprocess(width, height);
}

/** PaddleOCR's detector preprocessing at a fixed size: BGR, x/255, ImageNet mean/std on the B, G, R planes in that order. */
export function paddleOcrDetPreprocess(width = 640, height = 640): Preprocess {
  return { height, width, keepAspect: false, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channelOrder: 'BGR', layout: 'NCHW' };
}

/** Named presets a spec may give instead of a full preprocess object. */
export const PREPROCESS_PRESETS = {
  'ppocr-cls': () => paddleOcrClsPreprocess(),
  'ppocr-rec': () => paddleOcrRecPreprocess(),
  'ppocr-det': () => paddleOcrDetPreprocess(),
} as const;

/** Width an image of w×h takes after resizing to the target height (PaddleOCR's rule: min(ceil(H·w/h), W)). */
export function resizedWidth(w: number, h: number, p: Preprocess): number {
  if (!p.keepAspect) return p.width;
  return Math.max(1, Math.min(Math.ceil((p.height * w) / h), p.width));
}

/** Resize, normalize and lay out one image as a 3×H×W float tensor's data, exactly as the preprocess says. */
export function preprocessImage(src: Drawable, p: Preprocess): Float32Array {
  const rw = resizedWidth(src.width, src.height, p);
  const canvas = createCanvas(rw, p.height);
  const ctx = canvas.getContext('2d');
  // Transparent pixels are composited over white: text crops with alpha are dark text on nothing.
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, rw, p.height);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(src, 0, 0, rw, p.height);
  const rgba = ctx.getImageData(0, 0, rw, p.height).data;
  return normalizeRgba(rgba, rw, p);
}

/**
 * RGBA pixels (rw wide, p.height tall) → C×H×W floats in the preprocess's channel order, right-padded with
 * zeros to p.width. Padding is zero after normalization, as PaddleOCR fills a zero array and copies into it.
 */
export function normalizeRgba(rgba: Uint8ClampedArray, rw: number, p: Preprocess): Float32Array {
  const { height: H, width: W } = p;
  const out = new Float32Array(3 * H * W);
  // Source RGBA offsets for output planes 0,1,2.
  const srcChannel = p.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let c = 0; c < 3; c++) {
    const sc = srcChannel[c];
    const a = p.scale / p.std[c];
    const b = -p.mean[c] / p.std[c];
    const plane = c * H * W;
    for (let y = 0; y < H; y++) {
      const row = plane + y * W;
      const srcRow = y * rw * 4;
      for (let x = 0; x < rw; x++) out[row + x] = rgba[srcRow + x * 4 + sc] * a + b;
    }
  }
  return out;
}
