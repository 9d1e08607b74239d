import { GraphBuilder } from '../builder';

/** Reduce a gradient of shape `from` to the broadcast operand's shape `to` (numpy rules). */
export function sumToShape(b: GraphBuilder, g: string, from: number[], to: number[]): string {
  const lead = from.length - to.length;
  const axes: number[] = [];
  for (let i = 0; i < from.length; i++) {
    if (i < lead || (to[i - lead] === 1 && from[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return from.length === to.length ? g : b.reshape(g, to);
  const summed = b.reduceSum(g, axes, 1);
  return b.reshape(summed, to);
}

/** numpy broadcast of two shapes. */
export function broadcastShape(a: number[], c: number[]): number[] {
  const n = Math.max(a.length, c.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = c[c.length - n + i] ?? 1;
    return x === 1 ? y : x;
  });
}
