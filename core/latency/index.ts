/**
 * Hardware-aware latency estimation: a latency table measured on the target (profiler), per-op
 * regressors trained on it (predictor), and an estimate over the graph onnxruntime will execute.
 */
export { buildTable, defaultSources, measureOverhead, modelSources } from './profiler';
export type { ProfileSource, ProfileOptions } from './profiler';
export { compatibilityWarnings, parseTable, readTable, writeTable, TABLE_FORMAT, TABLE_VERSION } from './table';
export type { LatencyTable, TableEntry } from './table';
export { LatencyPredictor } from './predictor';
export type { CostMethod, NodeCost } from './predictor';
export { costOptimizedGraph, estimateLatency, zeroWeightShare } from './estimate';
export type { LatencyEstimate, NodeEstimate } from './estimate';
export { predictOrMeasure, predictorFor } from './service';
export { thisDevice } from './device';
