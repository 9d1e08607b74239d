import { createCanvas } from '@napi-rs/canvas';
import { Rng } from '../rng';
import type { TextBox } from '../sample';
import { textlineFonts } from './fonts';
import { addNoise, measuringContext, pickColors, sampleSeed } from './textline';
import { randomLine } from './vocabulary';

/** One detection sample: the page's RGBA pixels and the ink box of every line drawn on it. */
export interface DetPage {
  index: number;
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
  boxes: TextBox[];
}

/** Knobs of the detection page generator. */
export interface DetPageStyle {
  width: number;
  height: number;
  minLines: number;
  maxLines: number;
  noise: number;
}

/** Two boxes closer than `gap` pixels (or overlapping) would merge into one region in the detector's map. */
function tooClose(a: TextBox, b: TextBox, gap: number): boolean {
  return a.x0 - gap < b.x1 && b.x0 - gap < a.x1 && a.y0 - gap < b.y1 && b.y0 - gap < a.y1;
}

/**
 * Draw a page of separate text lines at random places, sizes, fonts and colours. The ground-truth box of a
 * line is its ink extent (as measured by the font), which is what a text detector is trained to outline.
 * Lines are kept apart by about a line height so that each one is its own region.
 */
export function renderDetPage(seed: number, index: number, style: DetPageStyle): DetPage {
  const rng = new Rng(sampleSeed(seed ^ 0xde7, index));
  const { width: W, height: H } = style;
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  const { bg } = pickColors(rng);
  ctx.fillStyle = bg;
  ctx.fillRect(0, 0, W, H);

  const probe = measuringContext();
  const boxes: TextBox[] = [];
  const wanted = rng.int(style.minLines, style.maxLines);
  // Bounded retries: a crowded page simply gets fewer lines, deterministically.
  for (let attempt = 0; attempt < wanted * 12 && boxes.length < wanted; attempt++) {
    const family = rng.pick(textlineFonts());
    const fontSize = rng.int(18, 44);
    const font = `${fontSize}px ${family}`;
    probe.font = font;
    let words = randomLine(rng, 1, 4).split(' ');
    while (words.length > 1 && probe.measureText(words.join(' ')).width > W - 16) words = words.slice(0, -1);
    const text = words.join(' ');
    const m = probe.measureText(text);
    const inkLeft = Math.floor(-m.actualBoundingBoxLeft);
    const inkRight = Math.ceil(m.actualBoundingBoxRight);
    const ascent = Math.ceil(m.actualBoundingBoxAscent);
    const descent = Math.ceil(m.actualBoundingBoxDescent);
    const boxW = inkRight - inkLeft;
    const boxH = ascent + descent;
    if (boxW > W - 16 || boxH > H - 16) continue;
    const x0 = rng.int(8, W - 8 - boxW);
    const y0 = rng.int(8, H - 8 - boxH);
    const box: TextBox = { x0, y0, x1: x0 + boxW, y1: y0 + boxH, text };
    if (boxes.some((b) => tooClose(b, box, Math.max(fontSize, b.y1 - b.y0)))) continue;
    const { ink } = pickColors(rng);
    ctx.font = font;
    ctx.fillStyle = ink;
    ctx.fillText(text, x0 - inkLeft, y0 + ascent);
    boxes.push(box);
  }
  const img = ctx.getImageData(0, 0, W, H);
  if (style.noise > 0) addNoise(img.data, rng, style.noise);
  return { index, width: W, height: H, rgba: img.data, boxes };
}
