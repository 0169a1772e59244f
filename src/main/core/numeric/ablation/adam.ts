/** Adam settings for the Optim scaling (docs/methods.md "Optim scaling": lr 1e-2, 100 full-batch steps). */
export interface AdamOptions {
  /** Default 1e-2. */
  lr: number;
  /** Default 0.9. */
  beta1: number;
  /** Default 0.999. */
  beta2: number;
  /** Default 1e-8. */
  eps: number;
  /** Default 100. */
  steps: number;
}

export const DEFAULT_ADAM: Readonly<AdamOptions> = Object.freeze({ lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, steps: 100 });

export interface AdamState {
  m: Float64Array;
  v: Float64Array;
  t: number;
}

export function adamState(size: number): AdamState {
  return { m: new Float64Array(size), v: new Float64Array(size), t: 0 };
}

/**
 * One Adam step in place, written in torch.optim.Adam's order of operations (so a PyTorch golden agrees to
 * rounding): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps).
 */
export function adamStep(params: Float64Array, grads: Float64Array, state: AdamState, o: AdamOptions): void {
  state.t++;
  const bc1 = 1 - Math.pow(o.beta1, state.t);
  const bc2 = 1 - Math.pow(o.beta2, state.t);
  for (let i = 0; i < params.length; i++) {
    state.m[i] = o.beta1 * state.m[i] + (1 - o.beta1) * grads[i];
    state.v[i] = o.beta2 * state.v[i] + (1 - o.beta2) * grads[i] * grads[i];
    const denom = Math.sqrt(state.v[i]) / Math.sqrt(bc2) + o.eps;
    params[i] -= (o.lr / bc1) * (state.m[i] / denom);
  }
}
