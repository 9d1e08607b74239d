// Detection (YOLO family): both outputs decoded alike (score threshold, class-wise NMS), then box F1 of
// the student's boxes against the teacher's at IoU ≥ match_iou, same class; with labels, mAP@match_iou.
// Without labels, `label_free: map` scores instead the mAP of the student's boxes, decoded down to
// map_score_threshold, against the teacher's kept boxes: a box whose score moves across
// score_threshold then costs a little precision, not a whole miss as in box F1.
import { z } from 'zod';
import { Tensor } from '../../tensor';
import { AveragePrecision, boxF1, matchSameClass } from './box-scores';
import { classBoxesOf } from './box-labels';
import { batchLabels, defineTask, LabelTally, outputPair, TaskMeter, TaskResult } from './types';
import { decodeYolo } from './yolo';

const params = z.strictObject({
  /** Output layout: yolov8 [N, 4+C, A] without objectness, yolov5 [N, A, 5+C] with it. */
  format: z.enum(['yolov8', 'yolov5']).default('yolov8'),
  /** A box is kept when its score (v5: objectness × class score) is above this. */
  score_threshold: z.number().min(0).max(1).default(0.25),
  /** NMS drops a box overlapping a better one of its class by more than this IoU. */
  iou_threshold: z.number().gt(0).max(1).default(0.45),
  /** Boxes kept per image after NMS, best first. */
  max_detections: z.number().int().positive().default(300),
  /** IoU at which a student box matches a teacher (or true) box. */
  match_iou: z.number().gt(0).max(1).default(0.5),
  /** Without labels, what decides: box F1 against the teacher's boxes, or mAP against them (see above). */
  label_free: z.enum(['box_f1', 'map']).default('box_f1'),
  /** For label_free map: the student's boxes are decoded down to this score (as mAP evaluations do). */
  map_score_threshold: z.number().min(0).max(1).default(0.001),
});

class DetectionMeter implements TaskMeter {
  readonly task = 'detection';
  private readonly tally = new LabelTally();
  private readonly ap: AveragePrecision;
  /** The student's low-threshold boxes against the teacher's kept ones (label_free: map). */
  private readonly teacherAp: AveragePrecision;
  private matched = 0;
  private teacherBoxes = 0;
  private studentBoxes = 0;
  private truthBoxes = 0;
  private images = 0;

  constructor(private readonly p: z.output<typeof params>) {
    this.ap = new AveragePrecision(p.match_iou);
    this.teacherAp = new AveragePrecision(p.match_iou);
  }

  update(student: Tensor, teacher: Tensor, labels?: readonly unknown[]): void {
    outputPair(this.task, student, teacher, 3);
    const s = decodeYolo(student, this.p, 'detection.student');
    const t = decodeYolo(teacher, this.p, 'detection.teacher');
    const low = this.p.label_free === 'map' ? decodeYolo(student, { ...this.p, score_threshold: this.p.map_score_threshold }, 'detection.student') : undefined;
    const lab = batchLabels(this.task, labels, s.length);
    this.tally.see(lab);
    s.forEach((found, i) => {
      this.matched += matchSameClass(t[i], found, this.p.match_iou);
      this.teacherBoxes += t[i].length;
      this.studentBoxes += found.length;
      if (low) this.teacherAp.add(t[i], low[i]);
      if (lab) {
        const truth = classBoxesOf(lab[i], `detection.labels[${i}]`);
        this.ap.add(truth, found);
        this.truthBoxes += truth.length;
      }
    });
    this.images += s.length;
  }

  result(): TaskResult {
    this.tally.requireSome(this.task);
    const at = Math.round(this.p.match_iou * 100) / 100;
    const details: Record<string, number> = {
      boxF1: boxF1(this.matched, this.teacherBoxes, this.studentBoxes),
      precision: this.studentBoxes === 0 ? (this.teacherBoxes === 0 ? 100 : 0) : (100 * this.matched) / this.studentBoxes,
      recall: this.teacherBoxes === 0 ? 100 : (100 * this.matched) / this.teacherBoxes,
      teacherBoxes: this.teacherBoxes,
      studentBoxes: this.studentBoxes,
      images: this.images,
    };
    if (this.tally.labeled) {
      details.mAP = this.ap.map();
      details.truthBoxes = this.truthBoxes;
      return { score: details.mAP, metric: `mAP@${at}`, labeled: true, details };
    }
    if (this.p.label_free === 'map') {
      details.mAPvsTeacher = this.teacherAp.map();
      return { score: details.mAPvsTeacher, metric: `mAP vs teacher @IoU${at}`, labeled: false, details };
    }
    return { score: details.boxF1, metric: `box F1 vs teacher @IoU${at}`, labeled: false, details };
  }
}

export const detectionTask = defineTask({
  name: 'detection',
  description: 'YOLO outputs (v8 or v5 layout) decoded with class-wise NMS: box F1 against the teacher\'s boxes at IoU ≥ 0.5, mAP@0.5 against true boxes',
  params,
  create: (p) => new DetectionMeter(p),
});
