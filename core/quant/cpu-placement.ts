// Quantization choices that were measured on one CPU kind and differ on the other, decided from the
// deploy CPU's features (core/runtime/cpu-features.ts) with the reason the trial records.
import type { CpuFeatures } from '../runtime/cpu-features';

/** One CPU-dependent rule: whether it applies, and why, naming the CPU feature. */
export interface CpuRule {
  apply: boolean;
  reason: string;
}

/** The CPU-dependent choices of one quantization, as the trial's report states them. */
export interface CpuPlacement {
  /** CPU model and kind the rules were decided for. */
  cpu: string;
  /** 7-bit weights (weightQmax 63) instead of full 8-bit (127). */
  reduceRange: CpuRule;
  /** Convs reading ≤ 4 channels (a 3-channel image) stay float. */
  floatNarrowConvs: CpuRule;
}

/** Reduce-range weights only where the int8 kernel sums u8·s8 pairs in int16 (no VNNI). */
export function reduceRangeRule(cpu: CpuFeatures): CpuRule {
  return cpu.vnni
    ? { apply: false, reason: `${cpu.kind}: u8·s8 dot products sum in int32 without saturation, so weights keep full 8 bits` }
    : { apply: true, reason: `${cpu.kind}: u8·s8 pairs sum in int16 and saturate with full-range weights, so weights use 7 bits` };
}

/**
 * Narrow convs stay float only without VNNI: there onnxruntime's float NCHWc conv reading the image
 * directly beat its u8 conv's short im2col rows (det's 3→16 stem 2.1 vs 6.7 ms at 640×640); with
 * AVX-512 VNNI a ResNet with its stem int8 ran 1.66x FP32 against 1.24x with the stem float.
 */
export function floatNarrowConvsRule(cpu: CpuFeatures): CpuRule {
  return cpu.vnni
    ? { apply: false, reason: `${cpu.kind}: the int8 conv on a 3-channel image is faster than the float one` }
    : { apply: true, reason: `${cpu.kind}: the float conv on a 3-channel image is faster than the int8 one` };
}

/** Both CPU-dependent rules for a CPU. */
export function cpuPlacement(cpu: CpuFeatures): CpuPlacement {
  return { cpu: `${cpu.model} (${cpu.kind})`, reduceRange: reduceRangeRule(cpu), floatNarrowConvs: floatNarrowConvsRule(cpu) };
}

/** The rules a quantization applies: the CPU's, unless the TensorRT preset or an explicit reduceRange decides. */
export function decidePlacement(cpu: CpuFeatures, opts: { backend?: 'onnxruntime' | 'tensorrt'; reduceRange?: boolean }): CpuPlacement {
  const rules = cpuPlacement(cpu);
  if (opts.backend === 'tensorrt') {
    return {
      cpu: rules.cpu,
      reduceRange: { apply: false, reason: 'TensorRT preset: symmetric full 8-bit weights' },
      floatNarrowConvs: { apply: false, reason: 'TensorRT preset: every conv is quantized' },
    };
  }
  if (opts.reduceRange !== undefined) rules.reduceRange = { apply: opts.reduceRange, reason: `set by the reduceRange option (${cpu.kind})` };
  return rules;
}
