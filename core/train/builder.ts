import { attr, makeNode, NameGenerator } from '../onnx/graph';
import { AttributeProto, GraphProto, NodeProto, TensorProto } from '../onnx/proto';
import { floatTensorProto, int64TensorProto } from '../onnx/tensor-data';

/** Attribute values by name; numbers become INT unless listed in `floats` (ONNX needs the type). */
export type Attrs = Record<string, number | number[] | string | undefined>;

/** Emits nodes and constants into a graph under fresh names; gradient rules only talk to this. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names: NameGenerator;
  private readonly scalars = new Map<number, string>();

  constructor(graph: GraphProto, private readonly prefix = 'grad') {
    this.names = new NameGenerator(graph);
  }

  /** A fresh tensor name. */
  fresh(base: string): string {
    return this.names.next(`${this.prefix}/${base}`);
  }

  /** Emit one node; `floats` names the attributes that are FLOAT (or FLOATS). */
  op(opType: string, inputs: string[], attrs: Attrs = {}, outputs = 1, floats: string[] = []): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    const list: AttributeProto[] = [];
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined) continue;
      if (typeof v === 'string') list.push(attr.string(k, v));
      else if (Array.isArray(v)) list.push(floats.includes(k) ? { name: k, type: 6, floats: v } : attr.ints(k, v));
      else list.push(floats.includes(k) ? attr.float(k, v) : attr.int(k, v));
    }
    this.nodes.push(makeNode(opType, inputs, outs, this.fresh(`${opType}_node`), list));
    return outs;
  }

  /** Emit one single-output node and return its output name. */
  op1(opType: string, inputs: string[], attrs: Attrs = {}, floats: string[] = []): string {
    return this.op(opType, inputs, attrs, 1, floats)[0];
  }

  /** A float32 constant. */
  floats(dims: number[], data: Float32Array | number[], base = 'const'): string {
    const name = this.fresh(base);
    this.initializers.push(floatTensorProto(name, dims, data instanceof Float32Array ? data : Float32Array.from(data)));
    return name;
  }

  /** A float32 scalar (shared per value). */
  scalar(v: number): string {
    let name = this.scalars.get(v);
    if (!name) { name = this.floats([], [v], 'scalar'); this.scalars.set(v, name); }
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, starts). */
  ints(values: number[], base = 'ints'): string {
    const name = this.fresh(base);
    this.initializers.push(int64TensorProto(name, [values.length], values));
    return name;
  }

  /** Reshape to a static shape. */
  reshape(x: string, dims: number[]): string {
    return this.op1('Reshape', [x, this.ints(dims, 'shape')]);
  }

  /** Sum over axes keeping them (opset 13 takes axes as an input). */
  reduceSum(x: string, axes: number[], keepdims = 1): string {
    return this.op1('ReduceSum', [x, this.ints(axes, 'axes')], { keepdims });
  }
}
