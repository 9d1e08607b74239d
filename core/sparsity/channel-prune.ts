import { AttrType, Model } from '../onnx/proto';
import { cloneModel } from '../onnx/clone';
import { producerMap, readWeight, replaceWeight } from '../onnx/graph';
import { FloatWeight } from '../onnx/tensor-data';
import { SlimflowError } from '../errors';
import { analyzeModel } from '../onnx/analysis';
import { ChannelGroup, channelGroups } from './channel-groups';

export interface PruneReport {
  /** Regular convs that lost output filters. */
  prunedConvs: number;
  removedFilters: number;
  keptFilters: number;
  /** Channel groups left whole because they are fixed (outputs, protected tensors, unknown ops) or, uncoupled, shared. */
  skipped: number;
  /** Kept channel indices (into the unpruned tensor) of each conv output that lost channels. */
  kept: Record<string, number[]>;
}

export interface PruneOptions {
  /**
   * Kept filters are rounded up to a multiple of this (default 8). onnxruntime's CPU convs run in
   * blocked NCHWc layout with blocks of 8 channels on AVX2 (16 on AVX-512); an unaligned channel
   * count leaves that path, and a 30%-pruned detector measured 0.88x — slower than the unpruned one.
   */
  align?: number;
  /** Tensors whose channels must stay (distillation nodes, compared with the unpruned teacher's). */
  protect?: string[];
  /**
   * Prune coupled groups too: convs meeting in residual Adds or SE gates lose the same channels,
   * concat inputs each lose their own. With false only a group made of one conv whose output reaches
   * regular convs directly (no concat) is pruned, as the first pruner did (weight for weight on the
   * PP-OCR recognizer). 'auto' (default) couples the models analyzeModel calls detectors: their FPN
   * neck, where the high-resolution work is, is coupled throughout (PP-OCRv4 det at 30%: 1.04–1.12x
   * → 1.28x, metric 96.97 = FP32 after distillation). The recognizer's coupled groups sit at the
   * narrow end of its backbone and cost more than they save (rec: 1.43x → 1.6x, but 96.0 instead of
   * 98.25 against 100 after the same distillation).
   */
  coupled?: boolean | 'auto';
  /**
   * How a kept count meets the `align` grid: 'up' (default) never removes more than `ratio`, but
   * leaves layers of up to 3 blocks whole at 30% (24 → 24); 'nearest' removes `ratio` on average.
   * On PP-OCRv4 det, 'nearest' also prunes the neck's 24-channel concat parts and head conv (the
   * largest conv left, 19% of the 'up' model's time): 1.68x instead of 1.28x, the same 96.97 after
   * distillation on 16 images, but nothing survives before it (repair alone: metric 0, 'up': 100).
   */
  rounding?: 'up' | 'nearest';
  /**
   * How filters are ranked: 'l1' (default) keeps the largest L1 norms; 'geometric_median' (FPGM,
   * He et al., CVPR 2019) keeps the filters farthest from the others, i.e. removes those nearest the
   * layer's geometric median, which the remaining filters can stand in for whatever their norm.
   */
  criterion?: PruneCriterion;
}

export type PruneCriterion = 'l1' | 'geometric_median';

/** Channels a group of `channels` keeps: (1 - ratio) of them on the `align` grid, at least one block. */
function keptCount(channels: number, ratio: number, align: number, rounding: 'up' | 'nearest'): number {
  const want = Math.max(1, channels - Math.floor(channels * ratio));
  const blocks = rounding === 'up' ? Math.ceil(want / align) : Math.max(1, Math.round((channels * (1 - ratio)) / align));
  return Math.min(channels, blocks * align);
}

/**
 * Structured channel pruning by groups (core/sparsity/channel-groups.ts): each prunable group keeps
 * the channels with the largest score (L1 norm, or distance to the other filters) summed over its
 * convs (each conv's scores divided by their mean, so no single conv's scale decides), removes the rest from every conv, depthwise conv,
 * BatchNorm and per-channel constant of the group, and the matching input channels of every conv
 * that reads them (through concats at their offsets). Returns a new, smaller model.
 */
export function pruneChannels(model: Model, ratio: number, opts: PruneOptions = {}): { model: Model; report: PruneReport } {
  const align = opts.align ?? 8;
  const coupled = (opts.coupled ?? 'auto') === 'auto' ? analyzeModel(model).family === 'detector' : opts.coupled === true;
  if (!(ratio >= 0 && ratio < 1)) throw new SlimflowError('INVALID_CONFIG', `prune ratio must be in [0, 1), got ${ratio}`, 'ratio');
  const out = cloneModel(model);
  const g = out.graph;
  const producers = producerMap(g);
  const { groups, readers } = channelGroups(out, opts.protect);
  const report: PruneReport = { prunedConvs: 0, removedFilters: 0, keptFilters: 0, skipped: 0, kept: {} };
  const concatRead = new Set(readers.filter((r) => r.layout.length > 1).flatMap((r) => r.layout.map((p) => p.group)));
  const keptOf = new Map<ChannelGroup, number[]>();

  const identity = (n: number) => Array.from({ length: n }, (_, i) => i);
  const sliceReader = (r: (typeof readers)[number]) => {
    const keep = r.layout.flatMap((p) => (keptOf.get(p.group) ?? identity(p.group.channels)).map((i) => p.offset + i));
    sliceConst(r.node.input[1], r.axis, keep);
  };
  // Groups come in graph order, and a group's plain readers are sliced at once: a conv's filters are
  // ranked over the input channels that are left (what it will compute), not the ones already removed.
  for (const grp of groups) {
    if (grp.fixed || (!coupled && (grp.sources.length > 1 || concatRead.has(grp)))) { report.skipped++; continue; }
    const count = keptCount(grp.channels, ratio, align, opts.rounding ?? 'up');
    if (count === grp.channels) continue;
    const keep = strongest(grp.sources.map((s) => readWeight(g, s.input[1], producers)!), count, opts.criterion ?? 'l1');
    keptOf.set(grp, keep);
    for (const conv of [...grp.sources, ...grp.depthwise]) {
      sliceConst(conv.input[1], 0, keep);
      if (conv.input[2]) sliceConst(conv.input[2], 0, keep);
      report.kept[conv.output[0]] = keep;
    }
    for (const dw of grp.depthwise) dw.attribute = [...dw.attribute.filter((a) => a.name !== 'group'), { name: 'group', type: AttrType.INT, i: keep.length }];
    for (const c of grp.constants) sliceConst(c.name, c.axis, keep);
    for (const r of readers) if (r.layout.length === 1 && r.layout[0].group === grp) sliceReader(r);
    report.prunedConvs += grp.sources.length;
    report.removedFilters += grp.sources.length * (grp.channels - keep.length);
    report.keptFilters += grp.sources.length * keep.length;
  }
  // A concat reader's slices need every part decided.
  for (const r of readers) if (r.layout.length > 1 && r.layout.some((p) => keptOf.has(p.group))) sliceReader(r);
  // Shapes recorded for intermediate tensors would now be wrong; onnxruntime re-infers them.
  g.valueInfo = [];
  return { model: out, report };

  function sliceConst(name: string, axis: number, keep: number[]) {
    const t = readWeight(g, name, producers);
    if (!t) throw new SlimflowError('INVALID_MODEL', 'expected a constant tensor', name);
    replaceWeight(g, name, sliceAxis(t, axis, keep), producers);
  }
}

/** L1 norm of each filter (row of the weight seen as [filters, rest]). */
function l1Scores(w: FloatWeight): Float64Array {
  const f = w.dims[0];
  const per = w.data.length / f;
  const out = new Float64Array(f);
  for (let i = 0; i < f; i++) {
    let s = 0;
    for (let k = i * per; k < (i + 1) * per; k++) s += Math.abs(w.data[k]);
    out[i] = s;
  }
  return out;
}

/**
 * Each filter's summed Euclidean distance to all filters of its conv: the smallest sums lie nearest the
 * geometric median. Distances come from the Gram matrix (|a−b|² = |a|² + |b|² − 2a·b), in doubles.
 */
export function geometricMedianScores(w: FloatWeight): Float64Array {
  const f = w.dims[0];
  const per = w.data.length / f;
  const gram = new Float64Array(f * f);
  for (let i = 0; i < f; i++) {
    for (let j = i; j < f; j++) {
      let dot = 0;
      for (let k = 0; k < per; k++) dot += w.data[i * per + k] * w.data[j * per + k];
      gram[i * f + j] = dot;
      gram[j * f + i] = dot;
    }
  }
  const out = new Float64Array(f);
  for (let i = 0; i < f; i++) {
    for (let j = 0; j < f; j++) if (j !== i) out[i] += Math.sqrt(Math.max(0, gram[i * f + i] + gram[j * f + j] - 2 * gram[i * f + j]));
  }
  return out;
}

/** Indices of the `keep` channels with the largest summed, mean-normalized score, in their original order. */
function strongest(weights: FloatWeight[], keep: number, criterion: PruneCriterion): number[] {
  const score = new Float64Array(weights[0].dims[0]);
  for (const w of weights) {
    const s = criterion === 'geometric_median' ? geometricMedianScores(w) : l1Scores(w);
    const mean = s.reduce((a, b) => a + b, 0) / s.length || 1;
    s.forEach((v, f) => (score[f] += v / mean));
  }
  // Ties broken by index so the result is deterministic.
  return Array.from(score, (s, f) => ({ s, f })).sort((a, b) => b.s - a.s || a.f - b.f).slice(0, keep).map((x) => x.f).sort((a, b) => a - b);
}

/** A copy of `w` keeping only indices `keep` along `axis`. */
export function sliceAxis(w: FloatWeight, axis: number, keep: number[]): FloatWeight {
  const dims = [...w.dims];
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const data = new Float32Array(outer * keep.length * inner);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const k of keep) {
      const src = (a * dims[axis] + k) * inner;
      data.set(w.data.subarray(src, src + inner), o);
      o += inner;
    }
  }
  dims[axis] = keep.length;
  return { data, dims };
}
