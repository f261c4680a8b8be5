/**
 * The whole network on both backends: one DeepSC-COVID training step (forward, the task-aware
 * loss, backward, Adam with the paper's two learning-rate groups) compiled for the CPU and for
 * CUDA from the same seed, on the same batch, then a second step to show the device's
 * optimizer state carries over. Compared: every output, the loss and its terms, every parameter
 * gradient, the step's gradient norm, the Adam moments, and every updated parameter.
 *
 * Tolerances (relative to each tensor's largest magnitude, see support/step-parity.ts):
 * - outputs 1e-4, loss terms 1e-4, gradients and exp_avg 1e-3, exp_avg_sq 2e-3. Both backends
 *   compute in float32 and sum in different orders (CPU: blocked float partial sums; CUDA: one
 *   thread's float chain per output element, double partials in the reductions), so each sum
 *   of K terms differs by about sqrt(K) units of roundoff (2^-24) of the magnitudes summed:
 *   K reaches ~1e5 in the weight gradients (a sum over voxels), ~2e-5 of scale; GroupNorm's
 *   backward subtracts group means (cancellation), and the loss's gradients pass through
 *   softmax and the Dice ratio, so gradients get a 10x wider bound than outputs.
 * - updated parameters: a fixed tolerance is wrong for Adam: its first update is
 *   -lr * g / (|g| + eps), so a gradient near zero whose sign the two backends' rounding
 *   decides moves by +lr on one and -lr on the other. Instead each backend's update is checked
 *   against float64 Adam of that backend's own parameters, moments and gradients (a float32
 *   error bound per element, support/adam-reference.ts), and those inputs are compared across
 *   backends above; the largest cross-backend parameter difference is printed. For the same
 *   reason the CUDA model takes the CPU model's parameters before step 2 (loadStateDict), but
 *   keeps its own optimizer state: step 2 uses the device's carried moments and step count.
 *
 * The loss is the one inside the graph (graph-loss.ts), on both devices. It is also checked on
 * each device against its float64 reference (support/task-aware-loss.ts: a network compiled
 * without the loss, its outputs seeded by the reference's gradients, support/reference-step.ts),
 * with the same tolerances: the in-graph loss sums in float32 / double partials like the rest
 * of the graph, and the reference's gradients are rounded to float32 once.
 *
 * Without a GPU the CUDA cases SKIP, saying why; DEEPSC_REQUIRE_CUDA=1 (benchmarks/gpu/run.sh)
 * turns that into a failure. The comparison itself is checked on every machine: CPU against
 * CPU must agree exactly and pass the float64 Adam check.
 */

import { type Device, nativeMemory, type Tensor } from '@deepsc/core';
import { loadBinding } from '@deepsc/native';
import { describe, expect, it } from 'vitest';
import {
  createDeepScCovid,
  type DeepScCovidConfig,
  type DeepScCovidNetwork,
  presetConfig,
  type TrainingBatch,
} from '../src/index.js';
import { createReferenceNetwork } from './support/reference-step.js';
import { compareStep, type StepErrors, syntheticBatch, type Tolerances } from './support/step-parity.js';

const info = loadBinding().info();
const haveGpu = info.cudaBuilt && info.cudaDevices.length > 0;
const state = `cudaBuilt=${info.cudaBuilt}, cudaDevices=[${info.cudaDevices.join('; ')}]`;
const skipReason = info.cudaBuilt
  ? `SKIPPED: no CUDA device (${state})`
  : `SKIPPED: no CUDA device: addon built without CUDA (${state})`;

const TOL: Tolerances = { outputs: 1e-4, loss: 1e-4, gradients: 1e-3, moments: 2e-3 };
const EXACT: Tolerances = { outputs: 0, loss: 0, gradients: 0, moments: 0 };

const disposeBatch = (b: TrainingBatch) => {
  for (const t of [b.whole, b.patch, b.lesionMask]) (t as Tensor | undefined)?.dispose();
};

const fmt = (e: StepErrors) =>
  `outputs ${e.outputs.toExponential(2)}, loss ${e.loss.toExponential(2)}, gradients ${e.gradients.toExponential(2)} ` +
  `(${e.worstGradient}), gradNorm ${e.gradNorm.toExponential(2)}, exp_avg ${e.expAvg.toExponential(2)}, ` +
  `exp_avg_sq ${e.expAvgSq.toExponential(2)}, Adam vs float64 ${e.adamVsReference.toFixed(3)} of its bound, ` +
  `max |p - p_ref| ${e.paramDiff.toExponential(2)} (float64 Adam of each side's inputs differs by up to ${e.paramExplained.toExponential(2)})`;

/** What a step is compared against: the graph loss on the CPU, or the float64 reference loss on the same device. */
type Against = 'cpu' | 'reference';

/**
 * Two steps of the production network on `device` against `against`; returns each step's
 * failures and errors. Both models are compiled from one seed, so their parameters must start
 * bitwise equal.
 */
async function twoSteps(
  config: DeepScCovidConfig,
  device: Device,
  tol: Tolerances,
  against: Against = 'cpu',
) {
  const seed = 11;
  const ref: DeepScCovidNetwork =
    against === 'cpu'
      ? createDeepScCovid(config, { seed })
      : createReferenceNetwork(config, { seed, device });
  const other = createDeepScCovid(config, { seed, device });
  const results: { failures: string[]; errors: StepErrors }[] = [];
  try {
    const start: string[] = [];
    for (const n of ref.model.parameterNames) {
      const a = ref.model.parameter(n);
      const b = other.model.parameter(n);
      if (a.data.some((v, i) => !Object.is(v, b.data[i]))) start.push(n);
      a.dispose();
      b.dispose();
    }
    expect(start, 'parameters differing before the first step').toEqual([]);
    for (const [k, label] of [1, 0].entries()) {
      if (k > 0) {
        const dict = ref.model.stateDict();
        other.model.loadStateDict(dict);
        for (const t of Object.values(dict)) t.dispose();
      }
      const batch = syntheticBatch(ref, 1000 + k, label);
      try {
        results.push(await compareStep(ref, other, batch, tol));
      } finally {
        disposeBatch(batch);
      }
    }
  } finally {
    ref.model.dispose();
    other.model.dispose();
  }
  return results;
}

describe('DeepSC-COVID step parity: the comparison itself', () => {
  it('CPU against CPU (tiny preset): exact agreement, each Adam step within its float64 bound', async () => {
    const before = nativeMemory();
    const steps = await twoSteps(presetConfig('tiny'), 'cpu', EXACT);
    for (const [k, s] of steps.entries()) {
      expect(s.failures, `step ${k + 1}`).toEqual([]);
      expect(s.errors.paramDiff, `step ${k + 1}`).toBe(0);
      expect(s.errors.adamVsReference, `step ${k + 1}`).toBeGreaterThan(0); // the check looked at values
    }
    const after = nativeMemory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.arenas).toBe(before.arenas);
  });

  it.each(['tiny', 'cpu'] as const)(
    '%s preset on the CPU, graph loss against the float64 reference: within the CUDA tolerances, and not bitwise',
    async (preset) => {
      const steps = await twoSteps(presetConfig(preset), 'cpu', TOL, 'reference');
      for (const [k, s] of steps.entries()) {
        console.log(`[reference parity] ${preset}, cpu, step ${k + 1}: ${fmt(s.errors)}`);
        expect(s.failures, `${preset}, step ${k + 1}`).toEqual([]);
      }
      // the comparison saw the two losses' rounding (a check that cannot fail would show 0)
      expect(Math.max(...steps.map((s) => s.errors.gradients))).toBeGreaterThan(0);
    },
  );
});

describe('DeepSC-COVID step parity: a GPU was required', () => {
  it.runIf(process.env.DEEPSC_REQUIRE_CUDA === '1')(
    'DEEPSC_REQUIRE_CUDA=1: a CUDA device is visible to a CUDA-built addon',
    () => {
      expect(haveGpu, state).toBe(true);
    },
  );
});

describe.skipIf(!haveGpu)(
  haveGpu
    ? `DeepSC-COVID training step, CUDA vs CPU (${state})`
    : `DeepSC-COVID training step, CUDA vs CPU: ${skipReason}`,
  () => {
    it.each([
      ['tiny', 'cpu'],
      ['cpu', 'cpu'],
      ['tiny', 'reference'],
      ['cpu', 'reference'],
    ] as const)(
      '%s preset, CUDA against the %s: two steps, every output, loss, gradient, moment and updated parameter',
      async (preset, against) => {
        const steps = await twoSteps(presetConfig(preset), 'cuda', TOL, against);
        for (const [k, s] of steps.entries()) {
          console.log(`[cuda parity] ${preset}, against the ${against}, step ${k + 1}: ${fmt(s.errors)}`);
          expect(s.failures, `${preset}, against the ${against}, step ${k + 1}`).toEqual([]);
        }
      },
    );
  },
);
