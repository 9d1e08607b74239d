import { createCanvas, Canvas, SKRSContext2D } from '@napi-rs/canvas';
import { Rng } from '../rng';
import { textlineFonts } from './fonts';
import { randomLine } from './vocabulary';

/** Knobs of the synthetic line generator (the spec's fields that shape the pictures). */
export interface TextlineStyle {
  rotatedFraction: number;
  /** Pixel noise standard deviation in 0–255 units. */
  noise: number;
}

/** One rendered line crop at its natural resolution, already rotated when its label is 1 (180°). */
export interface RenderedLine {
  index: number;
  text: string;
  label: 0 | 1;
  canvas: Canvas;
}

/** Seed of sample `index` in set `seed`: per-sample streams make sample i independent of batching and limits. */
export function sampleSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) | 0;
}

let probeCtx: ReturnType<Canvas['getContext']> | undefined;
/** One tiny canvas reused for text measurement; creating one per line would dominate the render time. */
export const measuringContext = () => (probeCtx ??= createCanvas(8, 8).getContext('2d'));

const clampByte = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
const rgb = (r: number, g: number, b: number) => `rgb(${clampByte(r)},${clampByte(g)},${clampByte(b)})`;

/** Background and ink colours: mostly dark ink on light paper, sometimes coloured ink or tinted paper. */
export function pickColors(rng: Rng): { bg: string; ink: string } {
  const paper = rng.int(185, 255);
  const tint = () => rng.int(-12, 12);
  const bg = rgb(paper + tint(), paper + tint(), paper + tint());
  const r = rng.next();
  if (r < 0.75) {
    const ink = rng.int(0, 70);
    return { bg, ink: rgb(ink + tint(), ink + tint(), ink + tint()) };
  }
  // Coloured ink (stamps, headings, links): one strong channel, still clearly darker than the paper.
  const strong = rng.int(110, 190);
  const weak = () => rng.int(0, 60);
  const ch = rng.int(0, 2);
  const c = [weak(), weak(), weak()];
  c[ch] = strong;
  return { bg, ink: rgb(c[0], c[1], c[2]) };
}

/**
 * Draw one text line the way a text detector would crop it: the glyphs fill most of the height, margins are
 * a few pixels. A 180° line is the very same picture with its pixel order reversed, so the two classes differ
 * only in orientation.
 */
export function renderTextLine(seed: number, index: number, style: TextlineStyle): RenderedLine {
  const rng = new Rng(sampleSeed(seed, index));
  const label: 0 | 1 = rng.chance(style.rotatedFraction) ? 1 : 0;
  const text = randomLine(rng, 1, 5);
  const family = rng.pick(textlineFonts());
  const fontSize = rng.int(26, 40);
  const font = `${fontSize}px ${family}`;

  const probe = measuringContext();
  probe.font = font;
  const m = probe.measureText(text);
  const marginY = () => Math.round(fontSize * rng.uniform(0.04, 0.18));
  const marginX = () => Math.round(fontSize * rng.uniform(0.05, 0.35));
  const top = marginY();
  const bottom = marginY();
  const left = marginX();
  const right = marginX();
  const { canvas, ctx } = inkOnPaper(text, font, m, { top, bottom, left, right }, rng);
  const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
  if (style.noise > 0) addNoise(img.data, rng, style.noise);
  if (label === 1) rotate180(img.data);
  ctx.putImageData(img, 0, 0);
  return { index, text, label, canvas };
}

/**
 * `text` drawn in random ink on random paper, the canvas hugging the glyphs' actual extent plus
 * the given margins (detector boxes and recognizer crops hug the ink, not the font's line height).
 */
export function inkOnPaper(text: string, font: string, m: Pick<ReturnType<SKRSContext2D['measureText']>, 'actualBoundingBoxAscent' | 'actualBoundingBoxDescent' | 'width'>, margin: { top: number; bottom: number; left: number; right: number }, rng: Rng) {
  const ascent = Math.ceil(m.actualBoundingBoxAscent);
  const descent = Math.ceil(m.actualBoundingBoxDescent);
  const width = Math.max(1, Math.ceil(m.width) + margin.left + margin.right);
  const height = Math.max(1, ascent + descent + margin.top + margin.bottom);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const { bg, ink } = pickColors(rng);
  ctx.fillStyle = bg;
  ctx.fillRect(0, 0, width, height);
  ctx.font = font;
  ctx.fillStyle = ink;
  ctx.fillText(text, margin.left, margin.top + ascent);
  return { canvas, ctx };
}

/** Gaussian noise on the colour channels (alpha untouched), like sensor noise on a photographed page. */
export function addNoise(px: Uint8ClampedArray, rng: Rng, sigma: number): void {
  for (let i = 0; i < px.length; i += 4) {
    const n = rng.normal() * sigma;
    px[i] += n;
    px[i + 1] += n;
    px[i + 2] += n;
  }
}

/** Rotating an RGBA picture by 180° is reversing its pixel order (exact, no resampling). */
function rotate180(px: Uint8ClampedArray): void {
  const u32 = new Uint32Array(px.buffer, px.byteOffset, px.length / 4);
  u32.reverse();
}
