/** Streaming task metrics and label-free teacher–student agreement, in points (0–100). */
export { AccuracyMeter } from './accuracy';
export { AgreementMeter } from './agreement';
export type { Agreement } from './agreement';
