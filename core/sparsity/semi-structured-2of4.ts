import { Mask } from './masks';

/**
 * 2:4 semi-structured mask (ASP): in every group of four consecutive input channels, at each output
 * channel and kernel position, keep the two largest magnitudes. `inputAxis` is 1 for Conv/Gemm-transB
 * weights [out, in, …] and 0 for MatMul weights [in, out]. Returns undefined when the input extent is
 * not a multiple of 4 (such layers stay dense, as ASP leaves them).
 */
export function twoOfFourMask(w: Float32Array, dims: number[], inputAxis: number): Mask | undefined {
  const cin = dims[inputAxis];
  if (cin % 4 !== 0) return undefined;
  const outer = dims.slice(0, inputAxis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(inputAxis + 1).reduce((a, b) => a * b, 1);
  const mask = new Float32Array(w.length);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      for (let g = 0; g < cin; g += 4) {
        const at = [0, 1, 2, 3].map((j) => (o * cin + g + j) * inner + k);
        // Two largest by magnitude; on ties the lower index wins, so masks are reproducible.
        at.sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]) || a - b);
        mask[at[0]] = 1;
        mask[at[1]] = 1;
      }
    }
  }
  return mask;
}
