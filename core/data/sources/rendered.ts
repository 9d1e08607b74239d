import { normalizeRgba, paddleOcrClsPreprocess, paddleOcrDetPreprocess, paddleOcrRecPreprocess, preprocessImage } from '../preprocess';
import { renderDetPage } from '../render/det-page';
import { renderRecLine } from '../render/rec-line';
import { renderTextLine } from '../render/textline';
import { Sample, SampleSource, floatSample } from '../sample';
import { RenderedDetSpec, RenderedTextlinesSpec } from '../spec';

/** Synthetic PP-OCR samples for the spec's task, preprocessed exactly as PaddleOCR's model for that task expects. */
export function renderedSource(spec: RenderedTextlinesSpec): SampleSource {
  const sample = sampleMaker(spec);
  return {
    where: `rendered-textlines(task=${spec.task}, seed=${spec.seed})`,
    labeled: true,
    arity: 'one',
    count: async () => spec.count,
    async *samples(limit?: number): AsyncGenerator<Sample> {
      const n = Math.min(spec.count, limit ?? Infinity);
      for (let i = 0; i < n; i++) yield sample(i);
    },
  };
}

/** Sample i of the set: cls labels are 0/180° classes, rec labels the text, det labels the boxes. */
function sampleMaker(spec: RenderedTextlinesSpec): (i: number) => Sample {
  switch (spec.task) {
    case 'cls': {
      const pre = paddleOcrClsPreprocess(spec.width, spec.height);
      return (i) => {
        const line = renderTextLine(spec.seed, i, spec);
        return floatSample(`line-${i}`, [3, pre.height, pre.width], preprocessImage(line.canvas, pre), line.label);
      };
    }
    case 'rec': {
      const pre = paddleOcrRecPreprocess(spec.width, spec.height);
      return (i) => {
        const line = renderRecLine(spec.seed, i, spec);
        return floatSample(`line-${i}`, [3, pre.height, pre.width], preprocessImage(line.canvas, pre), line.text);
      };
    }
    case 'det':
      return detSample(spec);
  }
}

/** Pages are rendered at the model's input size, so no resize blurs them and the boxes are in input pixels. */
function detSample(spec: RenderedDetSpec): (i: number) => Sample {
  const pre = paddleOcrDetPreprocess(spec.width, spec.height);
  return (i) => {
    const page = renderDetPage(spec.seed, i, spec);
    return floatSample(`page-${i}`, [3, pre.height, pre.width], normalizeRgba(page.rgba, page.width, pre), page.boxes);
  };
}
