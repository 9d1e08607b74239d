import { SlimflowError } from '../errors';
import { Tensor } from '../tensor';
import { ctcGreedyDecode, loadCtcClasses } from './ctc';
import { editDistance } from './edit-distance';

/**
 * Recognition accuracy of a CTC recognizer against the true text, in points. Character accuracy is
 * 1 − (sum of edit distances) / (sum of true lengths) over the whole set, floored at 0; line accuracy is
 * the share of lines read exactly. Spaces are ignored on both sides, as PaddleOCR's RecMetric does by
 * default: the recognizer's space class is unreliable and word gaps are not what we measure.
 */
export class OcrRecMeter {
  readonly name = 'ocr-rec';
  private distance = 0;
  private chars = 0;
  private exact = 0;
  private lines = 0;

  constructor(private readonly classes: readonly string[] = loadCtcClasses()) {}

  /** Add one batch: N×T×C recognizer scores and the N true strings. */
  update(output: Tensor, labels: readonly unknown[]): void {
    const decoded = ctcGreedyDecode(output, this.classes);
    if (labels.length !== decoded.length) throw new SlimflowError('SHAPE_MISMATCH', `${decoded.length} decoded lines but ${labels.length} labels`, 'ocr-rec.labels');
    labels.forEach((label, i) => {
      if (typeof label !== 'string') throw new SlimflowError('INVALID_DATA', `a recognition label must be the line's text, got ${JSON.stringify(label)}`, `ocr-rec.labels[${i}]`);
      const truth = label.replace(/\s+/g, '');
      const read = decoded[i].replace(/\s+/g, '');
      const d = editDistance(read, truth);
      this.distance += d;
      this.chars += [...truth].length;
      if (d === 0) this.exact++;
      this.lines++;
    });
  }

  /** Character accuracy in points; NaN before any line. */
  value(): number {
    if (this.lines === 0) return NaN;
    if (this.chars === 0) return this.distance === 0 ? 100 : 0;
    return 100 * Math.max(0, 1 - this.distance / this.chars);
  }

  /** Character accuracy, exact-line accuracy (points) and how many lines and characters were seen. */
  details(): Record<string, number> {
    return { charAccuracy: this.value(), lineAccuracy: this.lines === 0 ? NaN : (100 * this.exact) / this.lines, lines: this.lines, chars: this.chars };
  }
}
