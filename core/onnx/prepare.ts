import { opsetVersion } from './model-io';
import { Model } from './proto';
import { upgradeOpset } from './opset-upgrade';
import { foldBatchNorm } from './fold-batchnorm';
import { fuseHardSwish } from './fuse-hardswish';
import { foldAffine } from './fold-affine';
import { removeDeadNodes, topologicalOrder } from './graph';

export interface PrepareOptions {
  /** Target opset; 13 is the lowest with per-channel DequantizeLinear. */
  opset?: number;
  foldBatchNorm?: boolean;
  fuseHardSwish?: boolean;
  /** Fold constant scalar/per-channel Mul/Add next to convs into their weights (default true). */
  foldAffine?: boolean;
}

export interface PrepareReport { fromOpset: number; toOpset: number; foldedBatchNorms: number; fusedHardSwish: number; foldedAffine: number; removedNodes: number }

/** Make a float model ready for quantization: upgrade the opset, fold BN into convs, simplify HardSwish, fold affine blocks into convs. Returns a new model. */
export function prepareModel(model: Model, opts: PrepareOptions = {}): { model: Model; report: PrepareReport } {
  const fromOpset = opsetVersion(model);
  const toOpset = Math.max(opts.opset ?? 13, fromOpset);
  const out = upgradeOpset(model, toOpset);
  const before = out.graph.node.length;
  const foldedBatchNorms = opts.foldBatchNorm === false ? 0 : foldBatchNorm(out.graph);
  const fusedHardSwish = opts.fuseHardSwish === false ? 0 : fuseHardSwish(out.graph, toOpset);
  // After the HardSwish fusion, so its Add(x, 3) is never mistaken for a bias.
  const foldedAffine = opts.foldAffine === false ? 0 : foldAffine(out.graph);
  removeDeadNodes(out.graph);
  out.graph.node = topologicalOrder(out.graph);
  return { model: out, report: { fromOpset, toOpset, foldedBatchNorms, fusedHardSwish, foldedAffine, removedNodes: before - out.graph.node.length } };
}
