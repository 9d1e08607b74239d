/** Datasets for calibration and evaluation: specs, batching, preprocessing, rendered OCR lines, .npy. */
export { countSamples, iterateBatches, openDataset } from './batches';
export type { Batch, BatchOptions } from './batches';
export { readNpy, writeNpy } from './npy';
export { PREPROCESS_PRESETS, paddleOcrClsPreprocess, paddleOcrRecPreprocess, preprocessImage, resizedWidth } from './preprocess';
export { renderTextLine } from './render/textline';
export { writeRenderedSet } from './render/write-set';
export type { WrittenSet } from './render/write-set';
export { Rng } from './rng';
export type { Sample, SampleSource } from './sample';
export { datasetSpecSchema, parseDatasetSpec, preprocessSchema } from './spec';
export type { DatasetSpec, DatasetSpecInput, Preprocess } from './spec';
