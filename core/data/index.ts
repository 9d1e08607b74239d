/** Datasets for calibration and evaluation: specs, batching, preprocessing, rendered OCR lines, .npy. */
export { countSamples, iterateBatches, openDataset } from './batches';
export type { Batch, BatchOptions } from './batches';
export { readNpy, writeNpy } from './npy';
export { PREPROCESS_PRESETS, paddleOcrClsPreprocess, paddleOcrDetPreprocess, paddleOcrRecPreprocess, preprocessImage, resizedWidth } from './preprocess';
export { renderDetPage } from './render/det-page';
export type { DetPage } from './render/det-page';
export { renderRecLine } from './render/rec-line';
export type { RecLine } from './render/rec-line';
export { renderTextLine } from './render/textline';
export { writeRenderedSet } from './render/write-set';
export type { WrittenSet } from './render/write-set';
export { Rng } from './rng';
export type { Label, Sample, SampleSource, TextBox } from './sample';
export { datasetSpecSchema, parseDatasetSpec, preprocessSchema } from './spec';
export type { DatasetSpec, DatasetSpecInput, Preprocess } from './spec';
