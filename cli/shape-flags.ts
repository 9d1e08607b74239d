import { bindFeed, FeedInput } from '../core/feed';
import { SlimflowError } from '../core/errors';
import { graphInputs } from '../core/onnx/graph-inputs';
import { Model } from '../core/onnx/proto';

/** Collects a repeatable `--shape` flag. */
export const collectShape = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Help text of the `--shape` flag of bench and estimate. */
export const SHAPE_FLAG_HELP = 'batch shape, e.g. 8,3,48,192 for a one-input model or input_ids=8,128 per input (repeat the flag); needed for dynamic dims';

/**
 * The model's inputs bound to `--shape` flags: `8,3,48,192` names the single input's shape,
 * `name=8,128` one input's; inputs not given take their fixed dims from the graph.
 */
export function inputsFromShapeFlags(model: Model, flags: readonly string[] = []): FeedInput[] {
  const graph = graphInputs(model);
  const shapes: Record<string, number[]> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const name = eq >= 0 ? flag.slice(0, eq) : graph.length === 1 ? graph[0].name : undefined;
    if (name === undefined) {
      throw new SlimflowError('INVALID_CONFIG', `the model has ${graph.length} inputs (${graph.map((g) => g.name).join(', ')}): give each as --shape <name>=<dims>`, '--shape');
    }
    const dims = flag.slice(eq + 1).split(/[x,]/).map(Number);
    if (dims.some((d) => !Number.isInteger(d) || d <= 0)) throw new SlimflowError('INVALID_CONFIG', `--shape takes positive integers like 8,3,48,192 or input_ids=8,128, got "${flag}"`, '--shape');
    shapes[name] = dims;
  }
  try {
    return bindFeed(graph, shapes, '--shape');
  } catch (e) {
    // bindFeed names config keys (`<where>.<input>.shape`); on the command line the flag is the key.
    if (!(e instanceof SlimflowError) || !e.path) throw e;
    const suffix = ` (at ${e.path})`;
    throw new SlimflowError(e.code, e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message, '--shape');
  }
}
