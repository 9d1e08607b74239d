// Every workflow type a slimflow worker serves.
export { runPipeline } from './run-pipeline';
export { autoCompress } from './auto-compress';
export { ptqSearch } from './ptq-search';
export { fleetRecompress } from './fleet-recompress';
