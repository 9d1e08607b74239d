import { Optimizer } from './optimizer';

export interface SgdOptions { momentum?: number; weightDecay?: number; nesterov?: boolean }

/** SGD with (optionally Nesterov) momentum and L2 weight decay added to the gradient. */
export function sgd(opts: SgdOptions = {}): Optimizer {
  const mu = opts.momentum ?? 0.9;
  const wd = opts.weightDecay ?? 0;
  return {
    name: 'sgd',
    init: (params) => ({ step: 0, slots: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [new Float32Array(v.length)]])) }),
    update(params, grads, state, lr) {
      state.step++;
      for (const [k, w] of Object.entries(params)) {
        const g = grads[k];
        const v = state.slots[k][0];
        for (let i = 0; i < w.length; i++) {
          const gi = g[i] + wd * w[i];
          v[i] = mu * v[i] + gi;
          w[i] -= lr * (opts.nesterov ? gi + mu * v[i] : v[i]);
        }
      }
    },
  };
}
