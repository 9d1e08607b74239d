import { elementTypeOf, GraphInput } from '../feed';
import { Model, ValueInfoProto, toNum } from './proto';

/** One declared graph value (input or output) as the feed describes it: element type by name, dims as declared. */
export function describeValue(v: ValueInfoProto): GraphInput {
  const tt = v.type?.tensorType;
  const code = tt?.elemType ?? 0;
  return {
    name: v.name,
    dtype: elementTypeOf(code) ?? `unsupported(${code})`,
    // A number for a fixed dim, the dim's name for a named dynamic one, '?' for an anonymous one.
    dims: (tt?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue != null && toNum(d.dimValue) > 0 ? toNum(d.dimValue) : '?')),
  };
}

/** The inputs a caller feeds: the graph's declared inputs less those an initializer supplies (IR < 4 lists weights as inputs). */
export function graphInputs(model: Model): GraphInput[] {
  const inits = new Set((model.graph.initializer ?? []).map((t) => t.name));
  return model.graph.input.filter((i) => !inits.has(i.name)).map(describeValue);
}

/** The graph's declared outputs, described like its inputs. */
export const graphOutputs = (model: Model): GraphInput[] => model.graph.output.map(describeValue);
