// Every workflow type a slimflow worker serves.
export { runPipeline } from './run-pipeline';
export { autoCompress } from './auto-compress';
