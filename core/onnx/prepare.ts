import { opsetVersion } from './model-io';
import { Model } from './proto';
import { upgradeOpset } from './opset-upgrade';
import { foldBatchNorm } from './fold-batchnorm';
import { fuseHardSwish } from './fuse-hardswish';
import { foldAffine } from './fold-affine';
import { convTransposeToConv } from './convtranspose-to-conv';
import { sinkDepthToSpace } from './sink-depth-to-space';
import { removeDeadNodes, topologicalOrder } from './graph';
import { cancelTransposePairs, hoistAboveTranspose, removeNoopCasts } from './transpose-hoist';

export interface PrepareOptions {
  /** Target opset; 13 is the lowest with per-channel DequantizeLinear. */
  opset?: number;
  foldBatchNorm?: boolean;
  fuseHardSwish?: boolean;
  /** Fold constant scalar/per-channel Mul/Add next to convs into their weights (default true). */
  foldAffine?: boolean;
  /** Rewrite kernel-equals-stride ConvTransposes as 1×1 Conv + DepthToSpace (default true). */
  convTransposeToConv?: boolean;
  /**
   * Channels-last exports (Keras on torch, tf2onnx): drop float→float Casts, move per-channel ops and
   * activations from behind a conv's Transpose to the conv, cancel inverse Transpose pairs (default true).
   */
  channelsLast?: boolean;
}

export interface PrepareReport {
  fromOpset: number; toOpset: number; foldedBatchNorms: number; fusedHardSwish: number; foldedAffine: number;
  convTransposesRewritten: number; depthToSpaceMoves: number;
  /** Cast(to=FLOAT) of float tensors removed; ops moved from behind a conv's Transpose to the conv; Transposes cancelled. */
  noopCasts: number; transposeHoists: number; transposesCancelled: number;
  removedNodes: number;
}

/** Make a float model ready for quantization: upgrade the opset, fold BN into convs, simplify HardSwish, fold affine blocks and Caffe/TF-style BatchNorm (Sub/Mul/Add, Mul/Add, Div) into convs. Lossless; returns a new model. */
export function prepareModel(model: Model, opts: PrepareOptions = {}): { model: Model; report: PrepareReport } {
  const fromOpset = opsetVersion(model);
  const toOpset = Math.max(opts.opset ?? 13, fromOpset);
  const out = upgradeOpset(model, toOpset);
  const before = out.graph.node.length;
  // First, so the bias Add and BN that follow a ConvTranspose fold into the conv it becomes.
  const convTransposesRewritten = opts.convTransposeToConv === false ? 0 : convTransposeToConv(out.graph);
  const depthToSpaceMoves = convTransposesRewritten > 0 ? sinkDepthToSpace(out.graph) : 0;
  const channelsLast = opts.channelsLast !== false;
  const noopCasts = channelsLast ? removeNoopCasts(out.graph) : 0;
  const foldedBatchNorms = opts.foldBatchNorm === false ? 0 : foldBatchNorm(out.graph);
  const fusedHardSwish = opts.fuseHardSwish === false ? 0 : fuseHardSwish(out.graph, toOpset);
  // After the HardSwish fusion, so its Add(x, 3) is never mistaken for a bias.
  let foldedAffine = 0;
  let transposeHoists = 0;
  if (opts.foldAffine !== false) {
    foldedAffine = foldAffine(out.graph);
    // Each op brought back from behind a conv's Transpose folds, and the next one becomes movable.
    for (let moved = channelsLast ? hoistAboveTranspose(out.graph) : 0; moved > 0; moved = hoistAboveTranspose(out.graph)) {
      transposeHoists += moved;
      foldedAffine += foldAffine(out.graph);
    }
  }
  const transposesCancelled = channelsLast ? cancelTransposePairs(out.graph) : 0;
  removeDeadNodes(out.graph);
  out.graph.node = topologicalOrder(out.graph);
  return {
    model: out,
    report: {
      fromOpset, toOpset, foldedBatchNorms, fusedHardSwish, foldedAffine, convTransposesRewritten, depthToSpaceMoves,
      noopCasts, transposeHoists, transposesCancelled, removedNodes: before - out.graph.node.length,
    },
  };
}
