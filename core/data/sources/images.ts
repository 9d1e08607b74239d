import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadImage } from '@napi-rs/canvas';
import { SlimflowError } from '../../errors';
import { readLabelsFile } from '../labels';
import { PREPROCESS_PRESETS, preprocessImage } from '../preprocess';
import { Sample, SampleSource } from '../sample';
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
      throw new SlimflowError('INVALID_DATA', `labels file names image "${e.file}", which is not in ${dir}`, `${labelsFile}:${e.line}`);
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

/** Decode one image file; a file that is not a readable image raises INVALID_DATA naming it. */
async function decode(file: string) {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new SlimflowError('NOT_FOUND', 'image file cannot be read', file);
  }
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
    count: async () => list().length,
    async *samples(limit?: number): AsyncGenerator<Sample> {
      const all = list();
      const n = Math.min(all.length, limit ?? Infinity);
      for (let i = 0; i < n; i++) {
        const { file, label } = all[i];
        const img = await decode(path.join(dir, file));
        yield { id: file, dims: [3, pre.height, pre.width], data: preprocessImage(img, pre), label };
      }
    },
  };
}
