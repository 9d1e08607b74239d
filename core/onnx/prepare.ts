import { opsetVersion } from './model-io';
import { Model } from './proto';
import { upgradeOpset } from './opset-upgrade';
import { foldBatchNorm } from './fold-batchnorm';
import { fuseHardSwish } from './fuse-hardswish';
import { removeDeadNodes, topologicalOrder } from './graph';

export interface PrepareOptions {
  /** Target opset; 13 is the lowest with per-channel DequantizeLinear. */
  opset?: number;
  foldBatchNorm?: boolean;
  fuseHardSwish?: boolean;
}

export interface PrepareReport { fromOpset: number; toOpset: number; foldedBatchNorms: number; fusedHardSwish: number; removedNodes: number }

/** Make a float model ready for quantization: upgrade the opset, fold BN into convs, simplify HardSwish. Returns a new model. */
export function prepareModel(model: Model, opts: PrepareOptions = {}): { model: Model; report: PrepareReport } {
  const fromOpset = opsetVersion(model);
  const toOpset = Math.max(opts.opset ?? 13, fromOpset);
  const out = upgradeOpset(model, toOpset);
  const before = out.graph.node.length;
  const foldedBatchNorms = opts.foldBatchNorm === false ? 0 : foldBatchNorm(out.graph);
  const fusedHardSwish = opts.fuseHardSwish === false ? 0 : fuseHardSwish(out.graph, toOpset);
  removeDeadNodes(out.graph);
  out.graph.node = topologicalOrder(out.graph);
  return { model: out, report: { fromOpset, toOpset, foldedBatchNorms, fusedHardSwish, removedNodes: before - out.graph.node.length } };
}
