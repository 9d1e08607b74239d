import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadImage } from '@napi-rs/canvas';
import { SlimflowError } from '../../errors';
import { readImageSize } from '../image-header';
import { readLabelsFile } from '../labels';
import { MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, checkLimit, readFileCapped } from '../limits';
import { PREPROCESS_PRESETS, preprocessImage, sampleDims } from '../preprocess';
import { Sample, SampleSource, floatSample } from '../sample';
import { ImagesSpec, Preprocess } from '../spec';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.gif']);

/** The spec's preprocess, with a preset name expanded. */
export function resolvePreprocess(p: ImagesSpec['preprocess']): Preprocess {
  return typeof p === 'string' ? PREPROCESS_PRESETS[p]() : p;
}

/** Image files of a folder, sorted by name so the sample order is the same on every machine. */
export function listImages(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    throw new SlimflowError('NOT_FOUND', 'data folder does not exist or cannot be read', dir);
  }
  const images = names.filter((n) => IMAGE_EXTENSIONS.has(path.extname(n).toLowerCase())).sort();
  if (images.length === 0) {
    throw new SlimflowError('INVALID_DATA', `data folder holds no images (${[...IMAGE_EXTENSIONS].join(', ')})`, dir);
  }
  return images;
}

interface ImageEntry { file: string; label?: number }

/** Which files to read, with labels: the labels file decides when given, else every image in the folder. */
function imageEntries(spec: ImagesSpec): ImageEntry[] {
  const dir = path.resolve(spec.dir);
  const images = listImages(dir);
  if (spec.labels === undefined) return images.map((f) => ({ file: f }));
  const labelsFile = path.resolve(spec.labels);
  const present = new Set(images);
  const entries = readLabelsFile(labelsFile);
  for (const e of entries) {
    if (!present.has(e.file)) {
      throw new SlimflowError('INVALID_DATA', `this line names an image that is not in the data folder ${dir}`, `${labelsFile}:${e.line}`);
    }
  }
  // Silently skipping unlabeled images would shrink the eval set without anyone noticing.
  const listed = new Set(entries.map((e) => e.file));
  const unlabeled = images.find((f) => !listed.has(f));
  if (unlabeled !== undefined) {
    throw new SlimflowError('INVALID_DATA', `image has no line in the labels file ${labelsFile}`, path.join(dir, unlabeled));
  }
  return entries.map((e) => ({ file: e.file, label: e.label }));
}

/**
 * Decode one image file; a file that is not a readable image raises INVALID_DATA naming it. The
 * file size and the pixel count (from the header) are checked against the caps before decoding.
 */
export async function decodeImage(file: string) {
  const bytes = readFileCapped(file, MAX_IMAGE_BYTES, 'image file');
  const size = readImageSize(bytes);
  if (!size) throw new SlimflowError('INVALID_DATA', 'cannot decode image: not a PNG, JPEG, GIF, BMP or WebP file, or its header is cut short', file);
  checkLimit(MAX_IMAGE_PIXELS, size.width * size.height, file, `the ${size.width}×${size.height} ${size.format.toUpperCase()} image`);
  try {
    const img = await loadImage(bytes);
    if (img.width === 0 || img.height === 0) throw new Error('image has no pixels');
    return img;
  } catch (e) {
    throw new SlimflowError('INVALID_DATA', `cannot decode image: ${(e as Error).message}`, file);
  }
}

/** A folder of images (optionally labeled), decoded and preprocessed one at a time. */
export function imagesSource(spec: ImagesSpec): SampleSource {
  const pre = resolvePreprocess(spec.preprocess);
  const dir = path.resolve(spec.dir);
  let entries: ImageEntry[] | undefined;
  const list = () => (entries ??= imageEntries(spec));
  return {
    where: dir,
    labeled: spec.labels !== undefined,
    arity: 'one',
    count: async () => list().length,
    async *samples(limit?: number): AsyncGenerator<Sample> {
      const all = list();
      const n = Math.min(all.length, limit ?? Infinity);
      for (let i = 0; i < n; i++) {
        const { file, label } = all[i];
        const img = await decodeImage(path.join(dir, file));
        yield floatSample(file, sampleDims(pre), preprocessImage(img, pre), label);
      }
    },
  };
}
