// Every workflow type a slimflow worker serves.
export { runPipeline } from './run-pipeline';
export { autoCompress } from './auto-compress';
export { ptqSearch } from './ptq-search';
export { trainStrategy } from './train-strategy';
export { fleetRecompress } from './fleet-recompress';
