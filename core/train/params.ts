import { producerMap, readWeight } from '../onnx/graph';
import { Model } from '../onnx/proto';

const LAYERS = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);

/**
 * Trainable parameters of an inference model: float constants (more than one value) that are the weight
 * or bias of a conv/matmul layer or a LayerNormalization's scale and bias, or a non-scalar constant operand of an Add/Mul on the data path (MatMul + Add
 * bias, LayerNorm affine). Shape constants and scalars stay frozen.
 */
export function trainableParams(model: Model): string[] {
  const g = model.graph;
  const producers = producerMap(g);
  const out: string[] = [];
  const seen = new Set<string>();
  const take = (name: string) => {
    if (seen.has(name)) return;
    const w = readWeight(g, name, producers);
    if (w && w.data.length > 1) { seen.add(name); out.push(name); }
  };
  for (const n of g.node) {
    if (LAYERS.has(n.opType)) for (const i of n.input.slice(0, 3)) if (i && !producers.has(i) || producers.get(i)?.opType === 'Constant') take(i);
    // LayerNormalization's scale and bias (the op's affine; the decomposed form's are Mul/Add operands below).
    if (n.opType === 'LayerNormalization') for (const i of n.input.slice(1, 3)) if (i) take(i);
    if ((n.opType === 'Add' || n.opType === 'Mul') && n.input.length === 2) {
      const [a, c] = n.input;
      const other = readWeight(g, a, producers) ? c : a;
      const konst = other === c ? a : c;
      // A constant operand of an Add/Mul on the data path is a bias or scale (after MatMul, in LayerNorm).
      if (!readWeight(g, other, producers)) take(konst);
    }
  }
  return out;
}
