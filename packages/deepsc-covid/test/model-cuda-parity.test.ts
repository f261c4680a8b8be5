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
 * Both loss paths are compared, each on both devices: the task-aware loss on the host (its
 * gradients seeding the backward pass) and the loss inside the graph (graph-loss.ts; the
 * default on CUDA), with the same tolerances: the in-graph loss sums in float32 / double
 * partials on each device like the rest of the graph.
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
  type LossPath,
  presetConfig,
  type TrainingBatch,
} from '../src/index.js';
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
  `max |p_cuda - p_cpu| ${e.paramDiff.toExponential(2)} (float64 Adam of each side's inputs differs by up to ${e.paramExplained.toExponential(2)})`;

/**
 * Two steps on a CPU model and a model on `device`; returns each step's failures and errors.
 * Both models are compiled from `seed`, so their parameters must start bitwise equal.
 */
async function twoSteps(config: DeepScCovidConfig, device: Device, tol: Tolerances, loss: LossPath = 'host') {
  const seed = 11;
  const ref = createDeepScCovid(config, { seed, loss });
  const other = createDeepScCovid(config, { seed, device, loss });
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
  it.each(['host', 'graph'] as const)(
    'CPU against CPU (tiny preset, loss on the %s): exact agreement, each Adam step within its float64 bound',
    async (loss) => {
      const before = nativeMemory();
      const steps = await twoSteps(presetConfig('tiny'), 'cpu', EXACT, loss);
      for (const [k, s] of steps.entries()) {
        expect(s.failures, `step ${k + 1}`).toEqual([]);
        expect(s.errors.paramDiff, `step ${k + 1}`).toBe(0);
        expect(s.errors.adamVsReference, `step ${k + 1}`).toBeGreaterThan(0); // the check looked at values
      }
      const after = nativeMemory();
      expect(after.tensors).toBe(before.tensors);
      expect(after.arenas).toBe(before.arenas);
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
      ['tiny', 'host'],
      ['cpu', 'host'],
      ['tiny', 'graph'],
      ['cpu', 'graph'],
    ] as const)(
      '%s preset, loss on the %s: two steps, every output, loss, gradient, moment and updated parameter',
      async (preset, loss) => {
        const steps = await twoSteps(presetConfig(preset), 'cuda', TOL, loss);
        for (const [k, s] of steps.entries()) {
          console.log(`[cuda parity] ${preset}, loss on the ${loss}, step ${k + 1}: ${fmt(s.errors)}`);
          expect(s.failures, `${preset}, loss on the ${loss}, step ${k + 1}`).toEqual([]);
        }
      },
    );
  },
);
