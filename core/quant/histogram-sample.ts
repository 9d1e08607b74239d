import { attr, makeNode, NameGenerator } from '../onnx/graph';
import { DataType, Model } from '../onnx/proto';
import { int64TensorProto } from '../onnx/tensor-data';
import { Tensor } from '../tensor';

/**
 * Names of one tensor's sample in the tap: the sampled rows, the int64 [1] input feeding the row stride,
 * the tensor's shape (no value is read for it; the size of the whole tensor follows from it), and scalar
 * reductions: min and max of the whole tensor (exact: a range keeps an unclipped end as it is, and a rare
 * outlier decides a threshold search), and the sample's sum (NaN shows in it).
 */
export interface SampleOutputs { output: string; step: string; shape: string; min: string; max: string; sum: string }

const isPrime = (n: number): boolean => {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
};

/**
 * The stride over `rows` rows of `rowLength` values that leaves at most `maxSamples` values (at least one
 * row): 1 when all fit, else the smallest prime ≥ the needed ratio that does not divide the row count.
 * Rows are (image, channel, height) triples; feature-map sizes are products of 2, 3 and a few small
 * primes, so a stride sharing no factor with the row count walks through every channel and height
 * instead of picking the same ones again.
 */
export function sampleStride(rows: number, rowLength: number, maxSamples: number): number {
  if (maxSamples <= 0 || rows * rowLength <= maxSamples) return 1;
  // Whole rows only: at least one, however long.
  const keptRows = Math.max(1, Math.floor(maxSamples / rowLength));
  let p = Math.max(2, Math.ceil(rows / keptRows));
  while (!isPrime(p) || rows % p === 0) p++;
  return p;
}

/**
 * Add to a calibration tap (in place) a sample of each given tensor: `Slice(Flatten(t, -1), rows 0.., step)`,
 * every step-th row of its last axis, with the step a graph input so one session serves every stride. Whole
 * rows (runs of adjacent values in memory) rather than single values: a strided pick of single values still
 * touches nearly every cache line of the tensor, a pick of rows touches only the rows it keeps.
 */
export function addSampleOutputs(tap: Model, tensorNames: string[]): Map<string, SampleOutputs> {
  const g = tap.graph;
  const names = new NameGenerator(g);
  const samples = new Map<string, SampleOutputs>();
  if (tensorNames.length === 0) return samples;
  const starts = names.next('calib_sample_starts');
  const ends = names.next('calib_sample_ends');
  const axes = names.next('calib_sample_axes');
  g.initializer.push(
    int64TensorProto(starts, [1], [0]),
    int64TensorProto(ends, [1], [Number.MAX_VALUE]),
    int64TensorProto(axes, [1], [0]),
  );
  for (const t of tensorNames) {
    const output = names.next(`${t}.calib_sample`);
    const s: SampleOutputs = {
      output, step: names.next(`${t}.calib_sample_step`), shape: names.next(`${t}.calib_shape`),
      min: names.next(`${t}.calib_min`), max: names.next(`${t}.calib_max`), sum: names.next(`${output}_sum`),
    };
    const rows = names.next(`${t}.calib_rows`);
    const keep = [attr.int('keepdims', 0)];
    g.node.push(
      makeNode('Flatten', [t], [rows], names.next(`${t}.calib_rows_node`), [attr.int('axis', -1)]),
      makeNode('Slice', [rows, starts, ends, axes, s.step], [output], names.next(`${t}.calib_sample_node`)),
      makeNode('Shape', [t], [s.shape], names.next(`${t}.calib_shape_node`)),
      makeNode('ReduceMin', [t], [s.min], names.next(`${s.min}_node`), keep),
      makeNode('ReduceMax', [t], [s.max], names.next(`${s.max}_node`), keep),
      makeNode('ReduceSum', [output], [s.sum], names.next(`${s.sum}_node`), keep),
    );
    g.input.push({ name: s.step, type: { tensorType: { elemType: DataType.INT64, shape: { dim: [{ dimValue: 1 }] } } } });
    g.output.push(...[output, s.shape, s.min, s.max, s.sum].map((name) => ({ name })));
    samples.set(t, s);
  }
  return samples;
}

/** The feed of one stride input. */
export const strideFeed = (stride: number): Tensor<'int64'> => ({ dtype: 'int64', dims: [1], data: BigInt64Array.of(BigInt(stride)) });

/** Dims of a tensor from its Shape output. */
export const shapeDims = (shape: Tensor): number[] => [...(shape.data as BigInt64Array)].map(Number);
