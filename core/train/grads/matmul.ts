import { attrFloat, attrInt } from '../../onnx/graph';
import { GradientRule, dyOf } from './rule';
import { sumToShape } from './broadcast';
import { GraphBuilder } from '../builder';

/** Swap the last two axes of a rank-r tensor. */
function swapLast(b: GraphBuilder, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return b.op1('Transpose', [x], { perm });
}

/** MatMul (rank ≥ 2, batch dims broadcast): dA = dY·Bᵀ, dB = Aᵀ·dY, each summed to its operand's shape. */
export const matMulGrad: GradientRule = {
  opType: 'MatMul',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const [a, c] = node.input;
    const g = dyOf(dy);
    const sa = ctx.shape(a);
    const sc = ctx.shape(c);
    const sy = ctx.shape(node.output[0]);
    if (sa.length < 2 || sc.length < 2) throw new Error(`MatMul ${node.name}: 1-D operands have no gradient rule`);
    const da = ctx.needs(0) ? sumToShape(b, b.op1('MatMul', [g, swapLast(b, c, sc.length)]), sy, sa) : undefined;
    const dc = ctx.needs(1) ? sumToShape(b, b.op1('MatMul', [swapLast(b, a, sa.length), g]), sy, sc) : undefined;
    return [da, dc];
  },
};

/** Gemm Y = α·op(A)·op(B) + β·C, expressed again as Gemms with the transposes folded into flags. */
export const gemmGrad: GradientRule = {
  opType: 'Gemm',
  grad(ctx, dy) {
    const { b, node } = ctx;
    const [a, c, bias] = node.input;
    const g = dyOf(dy);
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const tA = attrInt(node, 'transA', 0);
    const tB = attrInt(node, 'transB', 0);
    const gemm = (x: string, y: string, transA: number, transB: number) => b.op1('Gemm', [x, y], { alpha, transA, transB }, ['alpha']);
    const da = !ctx.needs(0) ? undefined : tA ? gemm(c, g, tB, 1) : gemm(g, c, 0, tB ? 0 : 1);
    const dc = !ctx.needs(1) ? undefined : tB ? gemm(g, a, 1, tA) : gemm(a, g, tA ? 0 : 1, 0);
    let db: string | undefined;
    if (bias && ctx.needs(2)) {
      const scaled = beta === 1 ? g : b.op1('Mul', [g, b.scalar(beta)]);
      db = sumToShape(b, scaled, ctx.shape(node.output[0]), ctx.shape(bias));
    }
    return [da, dc, db];
  },
};
