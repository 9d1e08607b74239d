/** Scale all gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping. */
export function clipGlobalNorm(grads: Record<string, Float32Array>, maxNorm: number): number {
  let sq = 0;
  for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  const norm = Math.sqrt(sq);
  if (maxNorm > 0 && norm > maxNorm) {
    const s = maxNorm / norm;
    for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) g[i] *= s;
  }
  return norm;
}
