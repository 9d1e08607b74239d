import { InputShapes } from './fixed-shape';
import { ProfiledNode, ProfiledRun } from './ort-graph';
import { inferShapes } from './shapes';
import { configKey, NodeConfig, nodeConfig } from './signature';

/** A profiled node with its configuration and a slot that names it the same way in every session. */
export interface SlottedNode { slot: string; config: NodeConfig; profiled: ProfiledNode; shapeMismatch: boolean }

/**
 * The profiled nodes of one run, each under a slot "configuration key #rank among equals". Nodes are
 * matched across sessions by slot, never by name: onnxruntime names the nodes it inserts
 * (ReorderOutput_token_165…) afresh in every session, so a name can denote a 1×1 reorder in one session
 * and a 200 KB one in the next (pooling det's samples by name had costed its reorders at 0.3 ms, not 6).
 * Nodes of one configuration are interchangeable for costing, so swapping them between slots is harmless.
 */
export function slottedNodes(run: ProfiledRun, inputShapes: InputShapes): SlottedNode[] {
  const graph = run.graph.graph;
  const shapes = inferShapes(graph, inputShapes);
  const constants = new Set(graph.initializer.map((t) => t.name ?? ''));
  const byName = new Map(graph.node.map((n) => [n.name, n]));
  const rank = new Map<string, number>();
  const out: SlottedNode[] = [];
  for (const p of run.nodes) {
    const node = byName.get(p.name);
    if (!node) continue;
    const config = nodeConfig(graph, node, shapes, constants);
    const key = configKey(config);
    const k = rank.get(key) ?? 0;
    rank.set(key, k + 1);
    // onnxruntime reports the shapes it ran (every present output, in order): a disagreement means the
    // estimator would key this node, or a node reading it, wrongly.
    const shapeMismatch = node.output.filter(Boolean).some((o, k) => p.outputShapes[k] && JSON.stringify(shapes.tensors.get(o)?.dims) !== JSON.stringify(p.outputShapes[k]));
    out.push({ slot: `${key}#${k}`, config, profiled: p, shapeMismatch });
  }
  return out;
}
