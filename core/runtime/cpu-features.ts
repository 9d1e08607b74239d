// What the CPU onnxruntime runs on can do. Several quantization choices and a few test constants
// depend on it: onnxruntime's int8 kernels (MLAS) multiply u8·s8 pairs with VNNI's dot-product
// instruction where the CPU has it (exact int32 sums) and with AVX2's pairwise int16 sums otherwise
// (which saturate with full-range weights); its NCHWc convs block channels by the vector width.
import * as fs from 'node:fs';
import * as os from 'node:os';

/** The CPU's model name, flags and the properties slimflow derives from them. */
export interface CpuFeatures {
  model: string;
  /** Flags as the kernel lists them (lower case, e.g. avx2, avx512f, avx512_vnni, avx_vnni, amx_int8). */
  flags: string[];
  /** u8·s8 dot products in int32 without saturation (AVX-512 VNNI or AVX-VNNI). */
  vnni: boolean;
  /** AVX-512 Foundation: 512-bit vectors. */
  avx512: boolean;
  /** Channels per block of onnxruntime's NCHWc layout: 16 floats per vector with AVX-512, else 8. */
  nchwcBlock: 8 | 16;
  /** Short description naming the features that matter, for reasons in reports ("AVX-512 VNNI", "AVX2 without VNNI"). */
  kind: string;
}

const VNNI_FLAGS = ['avx512_vnni', 'avx_vnni', 'amx_int8'];

/** Features described by a /proc/cpuinfo text (x86 `flags`, or ARM `Features`); the first processor decides. */
export function parseCpuInfo(text: string, fallbackModel = 'unknown CPU'): CpuFeatures {
  const field = (name: RegExp) => {
    for (const line of text.split('\n')) {
      const m = /^([^:]+?)\s*:\s?(.*)$/.exec(line);
      if (m && name.test(m[1].trim())) return m[2].trim();
    }
    return undefined;
  };
  const model = field(/^model name$/i) ?? field(/^(Hardware|Processor|cpu model)$/i) ?? fallbackModel;
  const flags = (field(/^(flags|Features)$/i) ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return fromFlags(model, flags);
}

/** Features of a CPU given its model name and flags. */
export function fromFlags(model: string, flags: string[]): CpuFeatures {
  const has = new Set(flags);
  const vnni = VNNI_FLAGS.some((f) => has.has(f));
  const avx512 = has.has('avx512f');
  const vector = avx512 ? 'AVX-512' : has.has('avx2') ? 'AVX2' : flags.length ? 'no AVX2' : 'unknown features';
  const kind = vnni ? (has.has('avx512_vnni') ? 'AVX-512 VNNI' : has.has('avx_vnni') ? `${vector} with AVX-VNNI` : `${vector} with AMX`) : `${vector} without VNNI`;
  return { model, flags, vnni, avx512, nchwcBlock: avx512 ? 16 : 8, kind };
}

let cached: CpuFeatures | undefined;

/** This machine's CPU, read once. Without /proc/cpuinfo (macOS, Windows) the flags are unknown: no VNNI, no AVX-512 assumed. */
export function cpuFeatures(): CpuFeatures {
  if (cached) return cached;
  const model = os.cpus()[0]?.model ?? 'unknown CPU';
  let text = '';
  try {
    text = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux: keep the conservative defaults
  }
  cached = parseCpuInfo(text, model);
  return cached;
}
