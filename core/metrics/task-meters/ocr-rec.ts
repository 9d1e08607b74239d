import { z } from 'zod';
import { OcrRecMeter } from '../ocr-rec';
import { labeledOrAgreement } from './labeled-or-agreement';
import { defineTask } from './types';

/** PaddleOCR's CTC recognizer: character accuracy after greedy decoding, or per-time-step top-1 agreement without labels. */
export const ocrRecTask = defineTask({
  name: 'ocr-rec',
  description: 'character accuracy (1 − edit distance / length) after greedy CTC decoding; top-1 agreement per time step without labels',
  params: z.strictObject({}),
  create: () => labeledOrAgreement('ocr-rec', 'character accuracy', new OcrRecMeter()),
});
