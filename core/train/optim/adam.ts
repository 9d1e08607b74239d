import { Optimizer } from './optimizer';

export interface AdamOptions { beta1?: number; beta2?: number; eps?: number; weightDecay?: number; decoupled?: boolean }

/** Adam; with `decoupled` the weight decay is AdamW's (applied to the weights, not mixed into the moments). */
export function adam(opts: AdamOptions = {}): Optimizer {
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  const wd = opts.weightDecay ?? 0;
  return {
    name: opts.decoupled ? 'adamw' : 'adam',
    init: (params) => ({ step: 0, slots: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [new Float32Array(v.length), new Float32Array(v.length)]])) }),
    update(params, grads, state, lr) {
      const t = ++state.step;
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      for (const [k, w] of Object.entries(params)) {
        const g = grads[k];
        const [m, v] = state.slots[k];
        for (let i = 0; i < w.length; i++) {
          let gi = g[i];
          if (!opts.decoupled) gi += wd * w[i];
          m[i] = b1 * m[i] + (1 - b1) * gi;
          v[i] = b2 * v[i] + (1 - b2) * gi * gi;
          if (opts.decoupled && wd) w[i] -= lr * wd * w[i];
          w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
        }
      }
    },
  };
}
