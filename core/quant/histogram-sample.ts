import { makeNode, NameGenerator } from '../onnx/graph';
import { DataType, Model } from '../onnx/proto';
import { int64TensorProto } from '../onnx/tensor-data';
import { Tensor } from '../tensor';

/** Default values a histogram calibrator reads per tensor per batch: enough for 2048-bin tails, far fewer than rec's ~1M per tensor. */
export const DEFAULT_MAX_SAMPLES = 2 ** 18;

/** Names of one tensor's sample in the tap: the strided output and the int64 [1] input feeding its stride. */
export interface SampleOutputs { output: string; step: string }

const isPrime = (n: number): boolean => {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
};

/**
 * The stride that leaves at most `maxSamples` of `count` values: 1 when all fit, else the smallest prime
 * ≥ ceil(count / maxSamples) that does not divide count. Feature-map sizes are products of 2, 3 and a
 * few small primes; a stride sharing no factor with the tensor's size cannot be a multiple of H·W or W,
 * so it walks through every column phase instead of picking the same pixel of every channel or row.
 */
export function sampleStride(count: number, maxSamples: number): number {
  if (maxSamples <= 0 || count <= maxSamples) return 1;
  let p = Math.max(2, Math.ceil(count / maxSamples));
  while (!isPrime(p) || count % p === 0) p++;
  return p;
}

/**
 * Add to a calibration tap (in place) a strided sample of each given tensor, `Slice(Reshape(t, [-1]),
 * 0, INT64_MAX, axis 0, step)`, with the step a graph input, so one session serves every stride and
 * onnxruntime copies out only the sample.
 */
export function addSampleOutputs(tap: Model, tensorNames: string[]): Map<string, SampleOutputs> {
  const g = tap.graph;
  const names = new NameGenerator(g);
  const samples = new Map<string, SampleOutputs>();
  if (tensorNames.length === 0) return samples;
  const flat = names.next('calib_sample_flat_shape');
  const starts = names.next('calib_sample_starts');
  const ends = names.next('calib_sample_ends');
  const axes = names.next('calib_sample_axes');
  g.initializer.push(
    int64TensorProto(flat, [1], [-1]),
    int64TensorProto(starts, [1], [0]),
    int64TensorProto(ends, [1], [Number.MAX_VALUE]),
    int64TensorProto(axes, [1], [0]),
  );
  for (const t of tensorNames) {
    const s: SampleOutputs = { output: names.next(`${t}.calib_sample`), step: names.next(`${t}.calib_sample_step`) };
    const flatT = names.next(`${t}.calib_flat`);
    g.node.push(
      makeNode('Reshape', [t, flat], [flatT], names.next(`${t}.calib_flat_node`)),
      makeNode('Slice', [flatT, starts, ends, axes, s.step], [s.output], names.next(`${t}.calib_sample_node`)),
    );
    g.input.push({ name: s.step, type: { tensorType: { elemType: DataType.INT64, shape: { dim: [{ dimValue: 1 }] } } } });
    g.output.push({ name: s.output });
    samples.set(t, s);
  }
  return samples;
}

/** The feed of one stride input. */
export const strideFeed = (stride: number): Tensor<'int64'> => ({ dtype: 'int64', dims: [1], data: BigInt64Array.of(BigInt(stride)) });
