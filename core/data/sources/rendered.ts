import { paddleOcrClsPreprocess, preprocessImage } from '../preprocess';
import { renderTextLine } from '../render/textline';
import { Sample, SampleSource } from '../sample';
import { RenderedTextlinesSpec } from '../spec';

/** Synthetic text-direction samples, preprocessed exactly as PaddleOCR's cls model expects. */
export function renderedSource(spec: RenderedTextlinesSpec): SampleSource {
  const pre = paddleOcrClsPreprocess(spec.width, spec.height);
  return {
    where: `rendered-textlines(seed=${spec.seed})`,
    labeled: true,
    count: async () => spec.count,
    async *samples(limit?: number): AsyncGenerator<Sample> {
      const n = Math.min(spec.count, limit ?? Infinity);
      for (let i = 0; i < n; i++) {
        const line = renderTextLine(spec.seed, i, spec);
        yield { id: `line-${i}`, dims: [3, pre.height, pre.width], data: preprocessImage(line.canvas, pre), label: line.label };
      }
    },
  };
}
