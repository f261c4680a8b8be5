/**
 * torch.optim.Adam's single-tensor update (torch 1.13, no weight decay, no amsgrad) in float64
 * on the host, with a bound on how far a float32 implementation of the same expression may be
 * from it: the reference the CUDA-vs-CPU parity test checks each backend's optimizer step
 * against (same parameters, same moments, that backend's own gradient).
 */

/** One parameter tensor's Adam inputs: float32 values as the engine holds them. */
export interface AdamInputs {
  param: Float32Array;
  grad: Float32Array;
  /** exp_avg and exp_avg_sq before the step; absent at the first step (zeros). */
  expAvg?: Float32Array;
  expAvgSq?: Float32Array;
  /** The step number being taken (1 for the first). */
  step: number;
  lr: number;
  betas: readonly [number, number];
  eps: number;
}

/** The reference update of every element and the float32 error bound around it. */
export interface AdamReference {
  /** p - step_size * m / (sqrt(v) / sqrt(bc2) + eps), in float64. */
  update: Float64Array;
  /** Per element: how far a float32 evaluation of the same expression may land from `param + update`. */
  bound: Float64Array;
}

/** Unit roundoff of float32. */
const U = 2 ** -24;

/**
 * PyTorch's Adam: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr / bc1 * m /
 * (sqrt(v) / sqrt(bc2) + eps), bc_i = 1 - b_i^step. The bound follows each float32 rounding
 * (a few units of roundoff per operation, measured against the operands' magnitudes so that
 * cancellation in m is covered), propagated through the division, plus the rounding of the
 * final add; doubled for margin.
 */
export function adamReference(a: AdamInputs): AdamReference {
  const [b1, b2] = a.betas;
  const bc1 = 1 - b1 ** a.step;
  const bc2s = Math.sqrt(1 - b2 ** a.step);
  const stepSize = a.lr / bc1;
  const n = a.param.length;
  const update = new Float64Array(n);
  const bound = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = a.grad[i] as number;
    const m0 = a.expAvg ? (a.expAvg[i] as number) : 0;
    const v0 = a.expAvgSq ? (a.expAvgSq[i] as number) : 0;
    const m = b1 * m0 + (1 - b1) * g;
    const em = 4 * U * (Math.abs(b1 * m0) + Math.abs((1 - b1) * g));
    const v = b2 * v0 + (1 - b2) * g * g;
    const den = Math.sqrt(v) / bc2s + a.eps;
    const eden = 4 * U * den;
    const d = (stepSize * m) / den;
    const ed = stepSize * (em / den + (Math.abs(m) * eden) / (den * den)) + 4 * U * Math.abs(d);
    update[i] = -d;
    bound[i] = 2 * (ed + 2 * U * (Math.abs(a.param[i] as number) + Math.abs(d)));
  }
  return { update, bound };
}
