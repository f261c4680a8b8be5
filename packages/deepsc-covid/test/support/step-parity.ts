/**
 * One DeepSC-COVID training step on two compiled copies of the same network (the reference on
 * the CPU, the other on any device; either may be a network from reference-step.ts, whose step
 * takes the float64 reference loss instead of the graph's), compared quantity by quantity: every
 * output, the task-aware loss and its terms, every parameter gradient, the optimizer's report,
 * the Adam moments, and every updated parameter. Used by model-cuda-parity.test.ts.
 */
import { type OptimizerState, resolveOptimizer, Tensor } from '@deepsc/core';
import {
  type DeepScCovidNetwork,
  graphLossInputs,
  networkInputs,
  paperOptimizer,
  type TaskAwareLossResult,
  type TrainingBatch,
  trainingStep,
} from '../../src/index.js';
import { adamReference } from './adam-reference.js';
import { referenceStep } from './reference-step.js';

/** Tolerances of a comparison, each a relative error as {@link relativeError} defines it. */
export interface Tolerances {
  /** Forward outputs. */
  outputs: number;
  /** The loss and each of its terms (|a - b| / max(|b|, 1e-3)). */
  loss: number;
  /** Parameter gradients, the step's gradient norm, and exp_avg (linear in the gradients). */
  gradients: number;
  /** exp_avg_sq (quadratic in the gradients: twice the gradients' relative error). */
  moments: number;
}

/** Largest error of each compared quantity in one step (for the log and the report). */
export interface StepErrors {
  outputs: number;
  loss: number;
  gradients: number;
  gradNorm: number;
  expAvg: number;
  expAvgSq: number;
  /** max |p_other - p_ref| after the step (measured, not asserted: see the test's header). */
  paramDiff: number;
  /** The largest difference between the two sides' float64 Adam updates (what their inputs' differences explain). */
  paramExplained: number;
  /** Largest |engine - float64 Adam| / bound over both backends (<= 1 passes). */
  adamVsReference: number;
  /** Name of the tensor with the largest gradient error. */
  worstGradient: string;
}

/**
 * max |a - b| / max |b| (b the reference). Relative to the tensor's scale rather than per
 * element, because reductions in a different order leave an absolute error proportional to
 * the magnitudes summed, not to each (possibly cancelled) result.
 */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (Number.isNaN(x) !== Number.isNaN(y)) return Number.POSITIVE_INFINITY;
    diff = Math.max(diff, Math.abs(x - y));
    scale = Math.max(scale, Math.abs(y));
  }
  return scale > 0 ? diff / scale : diff;
}

/** A deterministic batch for a resolved config: inputs in [-1, 1), a sparse lesion mask, the patch in the scan's middle half of depth. */
export function syntheticBatch(net: DeepScCovidNetwork, seed: number, label: number): TrainingBatch {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const c = net.config;
  const vol = (size: readonly number[], f: () => number) =>
    Tensor.from(Float32Array.from({ length: size.reduce((a, b) => a * b, 1) }, f), [1, 1, ...size]);
  const d = c.wholeSize[0];
  return {
    whole: vol(c.wholeSize, () => next() * 2 - 1),
    patch: vol(c.patchSize, () => next() * 2 - 1),
    lesionMask: vol(c.patchSize, () => (next() > 0.8 ? 1 : 0)),
    region: { lo: [d / 4, 0, 0], hi: [d / 4 + d / 2, c.wholeSize[1], c.wholeSize[2]] },
    labels: [label],
  };
}

const disposeAll = (r: Record<string, Tensor>) => {
  for (const t of Object.values(r)) t.dispose();
};

/** Parameters by name (copies). */
function readParams(net: DeepScCovidNetwork, names: readonly string[]): Record<string, Tensor> {
  return Object.fromEntries(names.map((n) => [n, net.model.parameter(n)]));
}

/** The optimizer's state with its buffers adopted as tensors (dispose with {@link disposeState}). */
function readState(net: DeepScCovidNetwork): { step: Map<string, number>; bufs: Record<string, Tensor> } {
  const s: OptimizerState = net.model.optimizerState();
  const step = new Map<string, number>();
  const bufs: Record<string, Tensor> = {};
  for (const [name, p] of Object.entries(s.params)) {
    step.set(name, p.step);
    for (const [b, raw] of Object.entries(p.buffers)) bufs[`${name}/${b}`] = Tensor.adopt(raw);
  }
  return { step, bufs };
}

/**
 * Runs one training step (forward with every output, the loss, backward, Adam) on `ref` and
 * `other` with the same batch and compares them. Both must hold the same parameters and
 * optimizer history, compiled with the paper's optimizer.
 * @returns the failures (empty when everything is within `tol`) and the largest errors.
 */
export async function compareStep(
  ref: DeepScCovidNetwork,
  other: DeepScCovidNetwork,
  batch: TrainingBatch,
  tol: Tolerances,
): Promise<{ failures: string[]; errors: StepErrors }> {
  const failures: string[] = [];
  const trainable = ref.model.trainableNames;
  const errors: StepErrors = {
    outputs: 0,
    loss: 0,
    gradients: 0,
    gradNorm: 0,
    expAvg: 0,
    expAvgSq: 0,
    paramDiff: 0,
    paramExplained: 0,
    adamVsReference: 0,
    worstGradient: '',
  };
  const check = (what: string, err: number, limit: number) => {
    if (!(err <= limit)) failures.push(`${what}: relative error ${err.toExponential(2)} > ${limit}`);
  };
  const sides = [ref, other] as const;

  // Outputs: a forward of every named output (the step's own forward asks only for the loss's).
  // A network with the loss in its graph also needs the loss's inputs (a reference network has none).
  const inputs = sides.map((n) => {
    const r = networkInputs(n, batch);
    if (n.lossOptions) {
      const l = graphLossInputs(n, batch);
      Object.assign(r.inputs, l.inputs);
      r.owned.push(...l.owned);
    }
    return r;
  });
  try {
    const outs = await Promise.all(
      sides.map((n, k) => n.model.forward((inputs[k] as (typeof inputs)[0]).inputs)),
    );
    const [ro, oo] = outs as [Record<string, Tensor>, Record<string, Tensor>];
    for (const name of Object.keys(ro)) {
      const e = oo[name]
        ? relativeError((oo[name] as Tensor).data, (ro[name] as Tensor).data)
        : Number.POSITIVE_INFINITY;
      errors.outputs = Math.max(errors.outputs, e);
      check(`output ${name}`, e, tol.outputs);
    }
    for (const o of outs) disposeAll(o);
  } finally {
    for (const i of inputs) for (const t of i.owned) t.dispose();
  }

  // State before the step: parameters and Adam moments.
  const before = sides.map((n) => readParams(n, trainable));
  const stateBefore = sides.map(readState);

  // Forward, loss, backward.
  const results = [];
  for (const n of sides)
    results.push(
      n.lossOptions
        ? await trainingStep(n, batch, { step: false })
        : await referenceStep(n, batch, {}, { step: false }),
    );
  const [rl, ol] = results.map((r) => r.loss) as [TaskAwareLossResult, TaskAwareLossResult];
  const lossErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-3);
  const { mse: om, ...oScalars } = ol.terms;
  const { mse: rm, ...rScalars } = rl.terms;
  const terms: [string, number, number][] = [
    ['total', ol.total, rl.total],
    ...Object.entries(oScalars).map(([k, v]): [string, number, number] => [
      k,
      v,
      rScalars[k as keyof typeof rScalars],
    ]),
    ...om.map((v, i): [string, number, number] => [`mse${i + 1}`, v, rm[i] as number]),
  ];
  for (const [k, a, b] of terms) {
    const e = lossErr(a, b);
    errors.loss = Math.max(errors.loss, e);
    check(`loss ${k} (${a} vs ${b})`, e, tol.loss);
  }

  // Gradients.
  const withoutGrad = sides.map((n) => [...n.model.parametersWithoutGradient].sort().join(','));
  if (withoutGrad[0] !== withoutGrad[1])
    failures.push(`parameters without gradient differ: [${withoutGrad[0]}] vs [${withoutGrad[1]}]`);
  const skip = new Set(ref.model.parametersWithoutGradient);
  const grads = sides.map(() => ({}) as Record<string, Tensor>);
  for (const name of trainable) {
    if (skip.has(name)) continue;
    const [g0, g1] = sides.map((n) => n.model.gradient(name)) as [Tensor, Tensor];
    (grads[0] as Record<string, Tensor>)[name] = g0;
    (grads[1] as Record<string, Tensor>)[name] = g1;
    const e = relativeError(g1.data, g0.data);
    if (errors.worstGradient === '' || !(e <= errors.gradients)) {
      errors.gradients = e;
      errors.worstGradient = name;
    }
    const scale = g0.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    check(`gradient ${name} [${g0.shape.join(', ')}] (max |g| ${scale.toExponential(2)})`, e, tol.gradients);
  }

  // The optimizer step.
  const reports = [];
  for (const n of sides) reports.push(await n.model.step());
  const [rr, or] = reports as [(typeof reports)[0], (typeof reports)[0]];
  errors.gradNorm = Math.abs(or.gradNorm - rr.gradNorm) / Math.max(rr.gradNorm, 1e-30);
  check(`step gradNorm (${or.gradNorm} vs ${rr.gradNorm})`, errors.gradNorm, tol.gradients);
  if (or.updated !== rr.updated)
    failures.push(`step updated ${or.updated} parameters, the CPU ${rr.updated}`);

  // Moments after the step, across backends.
  const stateAfter = sides.map(readState);
  for (const key of Object.keys((stateAfter[0] as (typeof stateAfter)[0]).bufs)) {
    const a = (stateAfter[1] as (typeof stateAfter)[0]).bufs[key];
    const b = (stateAfter[0] as (typeof stateAfter)[0]).bufs[key] as Tensor;
    const e = a ? relativeError(a.data, b.data) : Number.POSITIVE_INFINITY;
    const sq = key.endsWith('exp_avg_sq');
    if (sq) errors.expAvgSq = Math.max(errors.expAvgSq, e);
    else errors.expAvg = Math.max(errors.expAvg, e);
    check(`optimizer state ${key}`, e, sq ? tol.moments : tol.gradients);
  }

  // Updated parameters: each side against float64 Adam of its own inputs, then across sides.
  const { groups } = resolveOptimizer(paperOptimizer(ref.config.variant), trainable);
  const after = sides.map((n) => readParams(n, trainable));
  for (const group of groups) {
    const betas = group.betas ?? [0.9, 0.999];
    const eps = group.eps ?? 1e-8;
    for (const name of group.params) {
      if (skip.has(name)) continue;
      const refs = sides.map((_, k) => {
        const st = stateBefore[k] as (typeof stateBefore)[0];
        const expAvg = st.bufs[`${name}/exp_avg`];
        const expAvgSq = st.bufs[`${name}/exp_avg_sq`];
        return adamReference({
          param: ((before[k] as Record<string, Tensor>)[name] as Tensor).data,
          grad: ((grads[k] as Record<string, Tensor>)[name] as Tensor).data,
          ...(expAvg ? { expAvg: expAvg.data } : {}),
          ...(expAvgSq ? { expAvgSq: expAvgSq.data } : {}),
          step: (st.step.get(name) ?? 0) + 1,
          lr: group.lr,
          betas,
          eps,
        });
      });
      const p0 = sides.map((_, k) => ((before[k] as Record<string, Tensor>)[name] as Tensor).data);
      const p1 = sides.map((_, k) => ((after[k] as Record<string, Tensor>)[name] as Tensor).data);
      for (let k = 0; k < 2; k++) {
        const r = refs[k] as (typeof refs)[0];
        const pb = p0[k] as Float32Array;
        const pa = p1[k] as Float32Array;
        let worst = 0;
        let at = -1;
        for (let i = 0; i < pa.length; i++) {
          const diff = Math.abs((pa[i] as number) - ((pb[i] as number) + (r.update[i] as number)));
          const ratio = diff === 0 ? 0 : diff / (r.bound[i] as number);
          if (!(ratio <= worst)) {
            worst = ratio;
            at = i;
          }
        }
        errors.adamVsReference = Math.max(errors.adamVsReference, worst);
        if (!(worst <= 1))
          failures.push(
            `${k === 0 ? 'reference' : 'other'} side's Adam step of ${name}[${at}]: ${pa[at]} vs float64 Adam ` +
              `${(pb[at] as number) + (r.update[at] as number)} (bound ${r.bound[at]})`,
          );
      }
      // Across sides (measured, for the report): with both sides' steps exact, what remains is
      // the gradient and moment differences passed through Adam's update.
      const [ra, rb] = refs as [(typeof refs)[0], (typeof refs)[0]];
      const [q0, q1] = p1 as [Float32Array, Float32Array];
      for (let i = 0; i < q0.length; i++) {
        errors.paramDiff = Math.max(errors.paramDiff, Math.abs((q1[i] as number) - (q0[i] as number)));
        errors.paramExplained = Math.max(
          errors.paramExplained,
          Math.abs((rb.update[i] as number) - (ra.update[i] as number)),
        );
      }
    }
  }
  for (const r of [...before, ...after, ...grads]) disposeAll(r);
  for (const s of [...stateBefore, ...stateAfter]) disposeAll(s.bufs);
  return { failures: failures.slice(0, 40), errors };
}
