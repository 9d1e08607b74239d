import { Canvas } from '@napi-rs/canvas';
import { Rng } from '../rng';
import { textlineFonts } from './fonts';
import { addNoise, inkOnPaper, measuringContext, sampleSeed } from './textline';
import { randomLine } from './vocabulary';

/** One recognition sample: the line crop at its natural resolution and the text drawn on it. */
export interface RecLine {
  index: number;
  text: string;
  canvas: Canvas;
}

/** Knobs of the recognition line generator. */
export interface RecLineStyle {
  /** Model input width and height: a line wider than width/height × its height would be squeezed. */
  width: number;
  height: number;
  maxTokens: number;
  noise: number;
}

/**
 * Draw one line of known text, cropped as a detector would (glyphs fill most of the height). Lines are
 * shortened until they fit the model's aspect ratio: PaddleOCR squeezes wider crops, which is a different
 * test (of squeezed glyphs) from the one we want (reading).
 */
export function renderRecLine(seed: number, index: number, style: RecLineStyle): RecLine {
  // A stream of its own, distinct from the cls set of the same seed (different xor), so rec lines are not cls lines.
  const rng = new Rng(sampleSeed(seed ^ 0x2ec0, index));
  const family = rng.pick(textlineFonts());
  const fontSize = rng.int(28, 40);
  const font = `${fontSize}px ${family}`;
  const marginY = () => Math.round(fontSize * rng.uniform(0.05, 0.15));
  const marginX = () => Math.round(fontSize * rng.uniform(0.1, 0.3));
  const top = marginY();
  const bottom = marginY();
  const left = marginX();
  const right = marginX();

  const probe = measuringContext();
  probe.font = font;
  let words = randomLine(rng, 1, style.maxTokens).split(' ');
  const fits = (t: string) => {
    const m = probe.measureText(t);
    const h = Math.ceil(m.actualBoundingBoxAscent) + Math.ceil(m.actualBoundingBoxDescent) + top + bottom;
    const w = Math.ceil(m.width) + left + right;
    return Math.ceil((style.height * w) / h) <= style.width;
  };
  while (words.length > 1 && !fits(words.join(' '))) words = words.slice(0, -1);
  let text = words.join(' ');
  while (text.length > 1 && !fits(text)) text = text.slice(0, -1);

  const { canvas, ctx } = inkOnPaper(text, font, probe.measureText(text), { top, bottom, left, right }, rng);
  if (style.noise > 0) {
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    addNoise(img.data, rng, style.noise);
    ctx.putImageData(img, 0, 0);
  }
  return { index, text, canvas };
}
