import * as fs from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../artifacts/atomic';
import { SlimflowError } from '../errors';
import { DeviceInfo } from './device';
import { NodeConfig } from './signature';
import type { SparsityProbe } from './sparsity-probe';

export const TABLE_FORMAT = 'slimflow-latency-table';
export const TABLE_VERSION = 1;

/** One measured configuration: the fastest of a node's timed runs in a profiled model (microseconds). */
export interface TableEntry { config: NodeConfig; us: number; samples: number; /** Median of the same runs (diagnostic; `us` is what is costed). */ medianUs?: number }

/** A latency table: the device it describes, how it was measured, and the measured kernels. */
export interface LatencyTable {
  format: typeof TABLE_FORMAT;
  version: number;
  createdAt: string;
  device: DeviceInfo;
  threads: number;
  /** Time a run costs beyond its kernels: a fixed part per run and a part per executed node. */
  overhead: { perRunUs: number; perNodeUs: number };
  /**
   * Typical median/fastest ratio of whole runs: entries hold fastest runs (robust to other processes),
   * a latency figure is a median, so estimates scale kernel sums by this. Taken from the least-disturbed
   * measuring windows (10th percentile over every source's every pass), so contention during profiling
   * does not leak in.
   */
  medianOverMin: number;
  /** Models profiled to fill the table (configurations come from their optimized graphs). */
  sources: { label: string; shape: number[]; /** Every input's shape, for models with several inputs (`shape` is the first's). */ shapes?: Record<string, number[]>; nodes: number; wallMs: number; wallMedianMs?: number; kernelSumMs: number; kernelMedianSumMs?: number; shapeMismatches?: number; /** 1-minute load average at each pass. */ loadAverage?: number[] }[];
  /** How the table was measured; `loadAverage` is the 1-minute load at the start and the end (a shared machine's timings carry it). */
  build: { seconds: number; runsPerModel: number; passes?: number; loadAverage?: number[] };
  entries: TableEntry[];
  /** Unstructured sparsity as measured on this device (absent in tables built before it was probed). */
  sparsity?: SparsityProbe;
}

const configSchema = z.object({
  op: z.string(),
  attrs: z.record(z.string(), z.union([z.number(), z.array(z.number()), z.string()])),
  inputs: z.array(z.object({ dims: z.array(z.number()), dtype: z.string(), constant: z.boolean() })),
  outputs: z.array(z.array(z.number())),
});

const tableSchema = z.object({
  format: z.literal(TABLE_FORMAT),
  version: z.number().int(),
  createdAt: z.string(),
  device: z.object({
    cpuModel: z.string(), cpuFlags: z.array(z.string()), logicalCpus: z.number(), platform: z.string(), arch: z.string(), onnxruntimeVersion: z.string(),
  }),
  threads: z.number().int().positive(),
  overhead: z.object({ perRunUs: z.number().nonnegative(), perNodeUs: z.number().nonnegative() }),
  medianOverMin: z.number().min(1).max(10),
  sources: z.array(z.object({ label: z.string(), shape: z.array(z.number()), shapes: z.record(z.string(), z.array(z.number())).optional(), nodes: z.number(), wallMs: z.number(), wallMedianMs: z.number().optional(), kernelSumMs: z.number(), kernelMedianSumMs: z.number().optional(), shapeMismatches: z.number().optional(), loadAverage: z.array(z.number()).optional() })),
  build: z.object({ seconds: z.number(), runsPerModel: z.number(), passes: z.number().int().positive().optional(), loadAverage: z.array(z.number()).optional() }),
  entries: z.array(z.object({ config: configSchema, us: z.number().nonnegative(), samples: z.number(), medianUs: z.number().optional() })).min(1),
  sparsity: z.object({
    source: z.string(), ratio: z.number().gt(0).max(1), denseKernelMs: z.number().nonnegative(), sparseKernelMs: z.number().nonnegative(), kernelRatio: z.number().positive(),
    weightedNodes: z.number().int().nonnegative().optional(), conclusive: z.boolean().optional(),
  }).optional(),
});

/** Write a table atomically (a crash never leaves a half-written table that parses). */
export function writeTable(table: LatencyTable, file: string): void {
  writeFileAtomic(file, `${JSON.stringify(table)}\n`);
}

/** Read and validate a table; a corrupt, foreign or newer-format file is a clear INVALID_DATA error. */
export function readTable(file: string): LatencyTable {
  if (!fs.existsSync(file)) throw new SlimflowError('NOT_FOUND', 'latency table does not exist', file);
  return parseTable(fs.readFileSync(file, 'utf8'), file);
}

/** Parse table text (see readTable). */
export function parseTable(text: string, file = '<table>'): LatencyTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // Named, never quoted: JSON.parse's message repeats the file's first characters (a path pointed
    // at the password file would answer with its first line). Only the position is kept.
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    const line = at !== undefined ? text.slice(0, Number(at)).split('\n').length : undefined;
    throw new SlimflowError('INVALID_DATA', `latency table is not JSON${line !== undefined ? ` (line ${line})` : ''}; expected a table written by \`slimflow profile\``, file);
  }
  const obj = raw as { format?: unknown; version?: unknown };
  if (obj?.format !== TABLE_FORMAT) throw new SlimflowError('INVALID_DATA', `not a latency table (format is ${JSON.stringify(obj?.format)}, expected "${TABLE_FORMAT}")`, file);
  if (obj.version !== TABLE_VERSION) {
    throw new SlimflowError('INVALID_DATA', `latency table format version ${String(obj.version)} is not supported (this slimflow reads version ${TABLE_VERSION}); rebuild it with slimflow profile`, file);
  }
  const parsed = tableSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SlimflowError('INVALID_DATA', `latency table is corrupt: ${issue.message} at ${issue.path.join('.')}`, file);
  }
  return parsed.data as LatencyTable;
}

/** Reasons a table may not describe this run: other runtime, thread count, CPU or SIMD flags. */
export function compatibilityWarnings(table: LatencyTable, here: DeviceInfo, threads: number): string[] {
  const w: string[] = [];
  if (table.device.onnxruntimeVersion !== here.onnxruntimeVersion) {
    w.push(`table measured with onnxruntime ${table.device.onnxruntimeVersion}, this runtime is ${here.onnxruntimeVersion}: kernels and fusions may differ`);
  }
  if (table.threads !== threads) w.push(`table measured at ${table.threads} thread(s), estimate asked for ${threads}: per-op times do not scale linearly with threads`);
  if (table.device.cpuModel !== here.cpuModel) w.push(`table measured on "${table.device.cpuModel}", this CPU is "${here.cpuModel}" (fine when targeting that device)`);
  const missing = table.device.cpuFlags.filter((f) => !here.cpuFlags.includes(f));
  const extra = here.cpuFlags.filter((f) => !table.device.cpuFlags.includes(f));
  if (missing.length || extra.length) {
    w.push(`CPU flags differ (table only: ${missing.join(' ') || '-'}; here only: ${extra.join(' ') || '-'}): the optimized graph made here may use other kernels`);
  }
  return w;
}

/**
 * Why a table's kernel times may run high: it was built while more processes wanted the cores than
 * there were. Entries are each node's fastest run, which shrugs off bursts, but under sustained
 * contention no run of a node is quiet (a CNN's INT8 kernels measured 57 ms at load 15 on 2 CPUs, 45 ms
 * at load 10). Undefined when the build's recorded load stayed at or below the CPU count.
 */
export function buildLoadWarning(table: LatencyTable): string | undefined {
  const loads = [...(table.build.loadAverage ?? []), ...table.sources.flatMap((s) => s.loadAverage ?? [])];
  const peak = Math.max(0, ...loads);
  const cpus = table.device.logicalCpus;
  if (peak <= cpus) return undefined;
  return `table built at a 1-minute load up to ${peak.toFixed(1)} on ${cpus} CPU(s): its kernel times may include other processes' share and the estimate may run high; rebuild it on a quiet machine`;
}

