import { nchwcBlockSize } from '../latency/device';
import { optimizedGraph } from '../latency/ort-graph';
import { attrInt, consumerMap } from '../onnx/graph';
import { encodeModel } from '../onnx/model-io';
import { Model } from '../onnx/proto';

/** The tap as onnxruntime will run it, and how many reorders the rewrite took out of it. */
export interface BlockedTap { bytes: Uint8Array; rewired: number; removedReorders: number }

/**
 * onnxruntime runs convs in a blocked channel layout (NCHWc) and turns a tensor back into NCHW (a
 * ReorderOutput) for any reader that is not a blocked kernel. A calibration tap reads nearly every
 * conv output, so these conversions, one full copy of each tensor per batch, cost cls's tap as much
 * as its convs. The tap's reductions and strided samples do not depend on the order of the values,
 * so this lets them read the blocked tensor directly: onnxruntime optimizes the tap and writes its
 * graph out, the readers named in `layoutFree` move from each ReorderOutput's result to its input,
 * and reorders no longer read by anything go. A blocked tensor whose channel count is not a multiple
 * of the block carries padding channels (not zeros after an activation), so those keep their reorder.
 * The result is run with graph optimization disabled: it is already onnxruntime's own optimized graph.
 */
export async function blockedTap(tap: Model, layoutFree: Set<string>, threads = 1): Promise<BlockedTap> {
  const opt = await optimizedGraph(encodeModel(tap), threads);
  const g = opt.graph;
  const block = nchwcBlockSize();
  const readers = consumerMap(g);
  const graphOutputs = new Set(g.output.map((o) => o.name));
  let rewired = 0;
  const dropped = new Set<string>();
  for (const r of g.node) {
    if (r.domain !== 'com.microsoft.nchwc' || r.opType !== 'ReorderOutput' || attrInt(r, 'channels_last', 0) !== 0) continue;
    if (attrInt(r, 'channels', 0) % block !== 0) continue;
    const [blocked] = r.input;
    const [plain] = r.output;
    let kept = graphOutputs.has(plain);
    for (const n of readers.get(plain) ?? []) {
      if (!layoutFree.has(n.name ?? '')) { kept = true; continue; }
      n.input = n.input.map((i) => (i === plain ? blocked : i));
      rewired++;
    }
    if (!kept) dropped.add(r.name ?? '');
  }
  g.node = g.node.filter((n) => !dropped.has(n.name ?? ''));
  return { bytes: encodeModel(opt), rewired, removedReorders: dropped.size };
}
