import * as os from 'node:os';
import { cpuFeatures } from '../runtime/cpu-features';

/** The deployment target a latency table describes. */
export interface DeviceInfo {
  cpuModel: string;
  /** SIMD-relevant CPU flags (the kernels MLAS picks depend on them). */
  cpuFlags: string[];
  logicalCpus: number;
  platform: string;
  arch: string;
  onnxruntimeVersion: string;
}

const SIMD_FLAGS = /^(sse4_1|sse4_2|avx|avx2|fma|f16c|avx512\w*|avx_vnni|amx\w*|neon|asimd\w*|sve\w*|dotprod|i8mm)$/;

let logicalCpusOnce: number | undefined;
/** CPU model and its SIMD flags (see core/runtime/cpu-features.ts, which reads them once). */
export function cpuInfo(): { model: string; flags: string[] } {
  const cpu = cpuFeatures();
  return { model: cpu.model, flags: cpu.flags.filter((f) => SIMD_FLAGS.test(f)).sort() };
}

/** The installed onnxruntime-node version. */
export function onnxruntimeVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('onnxruntime-node/package.json') as { version: string }).version;
}

/** Facts about this machine for a table's header. */
export function thisDevice(): DeviceInfo {
  const cpu = cpuInfo();
  // os.cpus() reads /proc for every core: once per process, not once per estimate.
  logicalCpusOnce ??= os.cpus().length;
  return { cpuModel: cpu.model, cpuFlags: cpu.flags, logicalCpus: logicalCpusOnce, platform: process.platform, arch: process.arch, onnxruntimeVersion: onnxruntimeVersion() };
}

/** MLAS's NCHWc block: 16 floats with AVX-512, else 8 (see the channel padding in optimized graphs). */
export const nchwcBlockSize = (): number => cpuFeatures().nchwcBlock;
