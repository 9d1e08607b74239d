import { createCanvas, Canvas, Image } from '@napi-rs/canvas';
import { Preprocess } from './spec';

/** Anything @napi-rs/canvas can draw: a decoded image or another canvas. */
export type Drawable = Image | Canvas;

/** PaddleOCR's text-direction classifier preprocessing: BGR, height 48, keep aspect, (x/255−0.5)/0.5, zero-pad right. */
export function paddleOcrClsPreprocess(width = 192, height = 48): Preprocess {
  return { height, width, resize: 'pad-right', keepAspect: true, pad_value: 114, scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channelOrder: 'BGR', layout: 'NCHW' };
}

/** PaddleOCR's recognizer preprocessing: the same as cls, but 320 wide by default. */
export function paddleOcrRecPreprocess(width = 320, height = 48): Preprocess {
  return paddleOcrClsPreprocess(width, height);
}

/** PaddleOCR's detector preprocessing at a fixed size: BGR, x/255, ImageNet mean/std on the B, G, R planes in that order. */
export function paddleOcrDetPreprocess(width = 640, height = 640): Preprocess {
  return { height, width, resize: 'stretch', keepAspect: false, pad_value: 114, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channelOrder: 'BGR', layout: 'NCHW' };
}

/** Named presets a spec may give instead of a full preprocess object. */
export const PREPROCESS_PRESETS = {
  'ppocr-cls': () => paddleOcrClsPreprocess(),
  'ppocr-rec': () => paddleOcrRecPreprocess(),
  'ppocr-det': () => paddleOcrDetPreprocess(),
} as const;

/** Width an image of w×h takes after resizing to the target height (PaddleOCR's rule: min(ceil(H·w/h), W)); pad-right and stretch only. */
export function resizedWidth(w: number, h: number, p: Preprocess): number {
  if (!p.keepAspect || p.resize === 'stretch') return p.width;
  return Math.max(1, Math.min(Math.ceil((p.height * w) / h), p.width));
}

/** Where the resized image lands in the height × width input: its top-left corner (negative when cropped) and size. */
export interface Placement {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Python's round(): halves go to the even neighbour, as the reference implementations compute their offsets. */
const roundHalfEven = (v: number) => {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
};

/**
 * The geometry of the preprocess's resize for a w×h image, following the reference implementations:
 * torchvision's Resize(int) (longer side truncated) + CenterCrop (offsets rounded half-even);
 * Ultralytics' LetterBox (scale min(H/h, W/w), size and offsets rounded as it rounds them).
 */
export function placement(w: number, h: number, p: Preprocess): Placement {
  switch (p.resize) {
    case 'pad-right':
    case 'stretch':
      return { x: 0, y: 0, width: resizedWidth(w, h, p), height: p.height };
    case 'shorter-side-center-crop': {
      const size = p.resize_size ?? Math.round(Math.max(p.height, p.width) / 0.875);
      const [rw, rh] = w <= h ? [size, Math.floor((size * h) / w)] : [Math.floor((size * w) / h), size];
      return { x: -roundHalfEven((rw - p.width) / 2), y: -roundHalfEven((rh - p.height) / 2), width: rw, height: rh };
    }
    case 'letterbox': {
      const r = Math.min(p.height / h, p.width / w);
      const rw = roundHalfEven(w * r);
      const rh = roundHalfEven(h * r);
      return { x: roundHalfEven((p.width - rw) / 2 - 0.1), y: roundHalfEven((p.height - rh) / 2 - 0.1), width: rw, height: rh };
    }
  }
}

/** The dims of one preprocessed sample: 3×H×W (NCHW) or H×W×3 (NHWC). */
export const sampleDims = (p: Preprocess): number[] => (p.layout === 'NHWC' ? [p.height, p.width, 3] : [3, p.height, p.width]);

/** Resize, normalize and lay out one image as a tensor's data (dims: sampleDims), exactly as the preprocess says. */
export function preprocessImage(src: Drawable, p: Preprocess): Float32Array {
  const at = placement(src.width, src.height, p);
  // pad-right pads after normalization (zeros), so its canvas is only as wide as the resized image.
  const padded = p.resize === 'pad-right' || p.resize === 'stretch';
  const cw = padded ? at.width : p.width;
  const canvas = createCanvas(cw, p.height);
  const ctx = canvas.getContext('2d');
  if (p.resize === 'letterbox') {
    ctx.fillStyle = `rgb(${p.pad_value}, ${p.pad_value}, ${p.pad_value})`;
    ctx.fillRect(0, 0, cw, p.height);
  }
  // Transparent pixels are composited over white: text crops with alpha are dark text on nothing.
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(Math.max(0, at.x), Math.max(0, at.y), Math.min(cw, at.width), Math.min(p.height, at.height));
  ctx.imageSmoothingEnabled = true;
  // torchvision and timm resize with antialiasing (PIL); OpenCV's INTER_LINEAR (YOLO, PaddleOCR) does not.
  if (p.resize === 'shorter-side-center-crop') ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(src, at.x, at.y, at.width, at.height);
  const rgba = ctx.getImageData(0, 0, cw, p.height).data;
  return normalizeRgba(rgba, cw, p);
}

/**
 * RGBA pixels (rw wide, p.height tall) → floats in the preprocess's channel order and layout,
 * right-padded with zeros to p.width. Padding is zero after normalization, as PaddleOCR fills a zero
 * array and copies into it.
 */
export function normalizeRgba(rgba: Uint8ClampedArray, rw: number, p: Preprocess): Float32Array {
  const { height: H, width: W } = p;
  const out = new Float32Array(3 * H * W);
  // Source RGBA offsets for output channels 0,1,2.
  const srcChannel = p.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const nhwc = p.layout === 'NHWC';
  for (let c = 0; c < 3; c++) {
    const sc = srcChannel[c];
    const a = p.scale / p.std[c];
    const b = -p.mean[c] / p.std[c];
    for (let y = 0; y < H; y++) {
      const srcRow = y * rw * 4;
      if (nhwc) {
        const row = y * W * 3 + c;
        for (let x = 0; x < rw; x++) out[row + x * 3] = rgba[srcRow + x * 4 + sc] * a + b;
      } else {
        const row = c * H * W + y * W;
        for (let x = 0; x < rw; x++) out[row + x] = rgba[srcRow + x * 4 + sc] * a + b;
      }
    }
  }
  return out;
}
