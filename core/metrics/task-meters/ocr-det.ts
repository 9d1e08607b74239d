import { z } from 'zod';
import { OcrDetMeter } from '../ocr-det';
import { labeledOrAgreement } from './labeled-or-agreement';
import { defineTask } from './types';

/** PaddleOCR's DB text detector: box hmean against true boxes, or top-1 agreement over the map's last axis without labels. */
export const ocrDetTask = defineTask({
  name: 'ocr-det',
  description: 'box hmean at IoU ≥ 0.5 after DB post-processing; top-1 agreement with the teacher without labels',
  params: z.strictObject({}),
  create: () => labeledOrAgreement('ocr-det', 'box hmean @IoU0.5', new OcrDetMeter()),
});
