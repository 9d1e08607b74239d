/** Host-side optimizer state: one Float32Array slot list per parameter, plus a step count. */
export interface OptimizerState { step: number; slots: Record<string, Float32Array[]> }

/** An optimizer updates parameters in place from gradients at a given learning rate. */
export interface Optimizer {
  readonly name: string;
  /** Fresh state for these parameters. */
  init(params: Record<string, Float32Array>): OptimizerState;
  update(params: Record<string, Float32Array>, grads: Record<string, Float32Array>, state: OptimizerState, lr: number): void;
}
