import { z } from 'zod';
import { AccuracyMeter } from '../accuracy';
import { labeledOrAgreement } from './labeled-or-agreement';
import { defineTask } from './types';

/** PaddleOCR's text-direction classifier (0° / 180°): top-1 accuracy, or top-1 agreement without labels. */
export const ocrClsTask = defineTask({
  name: 'ocr-cls',
  description: 'top-1 accuracy of the text-direction classifier (0° / 180°); top-1 agreement with the teacher without labels',
  params: z.strictObject({}),
  create: () => {
    const m = new AccuracyMeter();
    return labeledOrAgreement('ocr-cls', 'top-1 accuracy', { update: (o, l) => m.update(o, l), value: () => m.value(), details: () => ({ accuracy: m.value() }) });
  },
});
