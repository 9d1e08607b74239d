// Every training strategy's name and parameters, declared once: the implementations (./qat.ts,
// ./sparse.ts, ./channel-prune.ts) take their params schema from here, the training config its
// strategy names, and the job config's section keys that set a strategy parameter (QuantAware.weight_bits,
// UnstructurePrune.ratio, ChannelPrune.pruned_ratio; declared in core/components/train-sections.ts) its
// schema and default. Import-free but for zod.
import { z } from 'zod';
import { Component, componentSchema, Param, param, paramOf } from '../../components/param';

const minParams = param({ key: 'minParams', schema: z.number().int().min(1), default: 256, doc: 'layers with fewer weights stay dense (first convs, tiny heads)' });

/** Every training strategy, by its training-config name (`strategy.kind`). */
export const TRAIN_STRATEGIES: readonly Component[] = [
  { name: 'distill', params: [] },
  {
    name: 'qat',
    params: [
      param({ key: 'weightBits', schema: z.number().int().min(2).max(8), default: 8, doc: 'weight bits (per-channel symmetric); 4 is the hard case' }),
      param({ key: 'reduceRange', schema: z.boolean(), optional: true, doc: '8-bit weights use 63 as the largest value like the PTQ path: by default on CPUs without VNNI only (see cpu-placement.ts)' }),
      /*
       * 'auto': each of AUTO_CALIBRATORS, the one whose fake-quantized student (weights clipped and
       * bias-corrected as trained) has the least distillation loss on the calibration batches. On
       * MiniLM-L3 at 4 bits the start ranges decide most of the result: abs-max starts at cosine 86.9,
       * KL at 95.7 (held-out text).
       */
      param({ key: 'calibrator', schema: z.string(), default: 'auto', doc: 'the PTQ calibrator that initialises the activation ranges, or auto' }),
      /*
       * The default rests the ranges and the 'auto' choice on at least 32 samples: YOLOv8n 320 with
       * batches of 4 from 16 photos picked KL and its student fell below PTQ (box F1 64 vs 76.4); from
       * 32 it picked mse and reached 90.3.
       */
      param({ key: 'calibBatches', schema: z.number().int().positive(), optional: true, doc: 'calibration batches the ranges start from; default: enough for 32 samples (at least 4), within one epoch' }),
      /*
       * 'minmax' moves the ranges toward each batch's min/max (by `momentum`), 'frozen' keeps the
       * calibrated ones. 'auto': minmax when the calibrator itself takes min/max (abs_max, avg), else
       * frozen — tracking min/max would undo a clipping calibrator's choice (MiniLM-L3 4-bit from KL
       * ranges: cosine 95.7 → 93.6 in 4 epochs tracked, → 97.6 frozen).
       */
      param({ key: 'rangeTracking', schema: z.enum(['auto', 'minmax', 'frozen']), default: 'auto', doc: 'how the activation ranges follow training' }),
      param({ key: 'momentum', schema: z.number().min(0).max(1), default: 0.9, doc: 'moving-average factor of the activation ranges (rangeTracking minmax)' }),
      /*
       * 'auto' clips and bias-corrects below 8 bits only: at 4 bits abs-max wastes most levels on a few
       * outliers, at 8 the PTQ emitter's abs-max start is the better one (YOLOv8n 320, 8-bit, box F1 on
       * held-out photos: clipped and bias-corrected the student started at 68.6 and fell to 64 after an
       * epoch; from abs-max weights it started at 74.6 and reached 84.3 in two, PTQ 76.4).
       */
      param({ key: 'weightClip', schema: z.enum(['auto', 'absmax', 'mse']), default: 'auto', doc: 'starting weight ranges: per-channel abs-max (the PTQ emitter\'s), or clipped where the quantization error is least; auto clips below 8 bits' }),
      param({ key: 'biasCorrection', schema: z.union([z.boolean(), z.literal('auto')]), default: 'auto', doc: 'shift biases, layer by layer on the calibration batches, so each quantized layer\'s output mean is the float one\'s; auto does below 8 bits' }),
      // They decide reduce-range and whether 3-channel convs stay float (cpu-placement.ts).
      param({ key: 'deployCpuFlags', schema: z.array(z.string()), optional: true, doc: 'the deploy CPU\'s flags (as /proc/cpuinfo lists them) when it is not the worker\'s; default: this machine\'s' }),
    ],
  },
  {
    name: 'unstructured',
    params: [
      param({ key: 'ratio', schema: z.number().min(0).max(0.99), default: 0.75, doc: 'share of each layer\'s weights set to zero' }),
      param({ key: 'rampSteps', schema: z.number().int().min(0), default: 0, doc: 'steps over which sparsity ramps up (GMP); 0 prunes to the target at once' }),
      param({ key: 'every', schema: z.number().int().positive(), default: 10, doc: 'masks are recomputed from magnitudes every this many steps while ramping' }),
      param({ key: 'rampShare', schema: z.number().min(0).max(1), optional: true, doc: 'share of the training\'s steps the ramp takes (GMP; the rest trains at the target); replaces rampSteps' }),
      minParams,
    ],
  },
  { name: 'semi-structured-2of4', params: [minParams] },
  {
    name: 'channel-prune',
    params: [
      param({ key: 'ratio', schema: z.number().min(0).max(0.9), default: 0.3, doc: 'share of each prunable conv\'s filters removed' }),
      param({ key: 'criterion', schema: z.enum(['l1', 'geometric_median']), default: 'l1', doc: 'filter ranking (see PruneOptions.criterion): largest L1 norm, or farthest from the layer\'s geometric median (FPGM)' }),
      param({ key: 'repair', schema: z.enum(['least-squares', 'mean', 'none']), default: 'least-squares', doc: 'how convs reading pruned channels are repaired before training (see prune-repair.ts)' }),
      param({ key: 'repairBatches', schema: z.number().int().positive(), default: 4, doc: 'training batches the repair measures on' }),
      param({ key: 'coupled', schema: z.union([z.boolean(), z.literal('auto')]), default: 'auto', doc: 'prune coupled channel groups (residual sums, SE gates, concat inputs) too; auto does for detectors (see PruneOptions.coupled)' }),
      param({ key: 'rounding', schema: z.enum(['up', 'nearest']), default: 'up', doc: 'how kept counts meet the 8-channel grid (see PruneOptions.rounding)' }),
    ],
  },
];

export const TRAIN_STRATEGY_NAMES = ['distill', 'qat', 'unstructured', 'semi-structured-2of4', 'channel-prune'] as const;
export type TrainStrategyName = (typeof TRAIN_STRATEGY_NAMES)[number];

const strategy = (name: TrainStrategyName): Component => TRAIN_STRATEGIES.find((s) => s.name === name)!;

/** The strict params schema of a training strategy, from its declaration. */
export const strategyParamsSchema = (name: TrainStrategyName): z.ZodObject => componentSchema(strategy(name));

/** A training strategy's declared parameter (the job config's section key that sets it takes its schema and default). */
export const strategyParam = <V = unknown>(name: TrainStrategyName, key: string): Param<V> => paramOf(strategy(name), key) as Param<V>;
