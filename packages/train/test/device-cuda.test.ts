/**
 * `training.device: 'cuda'` through the trainer, on a GPU: a few steps of the tiny preset on
 * CUDA against the CPU from the same seed, a resume on CUDA against the uninterrupted CUDA run,
 * and checkpoints crossing devices (CPU -> CUDA, CUDA -> CPU).
 *
 * Tolerances:
 * - per-step training losses (metrics.jsonl, one record per step): 1e-4 relative. The
 *   whole-network parity test (packages/deepsc-covid/test/model-cuda-parity.test.ts, tiny preset, H200)
 *   measured loss differences of 4e-7 and parameter differences of 7.5e-6 per step; the losses
 *   of later steps are taken with parameters that have drifted by a few such steps.
 * - parameters after the run: the share of elements differing by more than 1e-4 at most 1e-3
 *   (about 20 of the tiny preset's 20,772).
 *   Not a maximum: Adam's first updates are about -lr * sign(g), so a gradient near zero whose
 *   sign the backends' rounding decides moves by +lr on one and -lr on the other (parity test
 *   header); a wrong CUDA optimizer or kernel would move most elements differently.
 * - the validation loss (the inference copy on the device): 1e-3 relative.
 * - a resume on CUDA from a CUDA checkpoint: bitwise equal to the uninterrupted CUDA run (the
 *   CUDA kernels are deterministic: no atomics, fixed reduction orders).
 *
 * Without a GPU every case SKIPS, saying why; DEEPSC_REQUIRE_CUDA=1 turns that into a failure.
 * The comparisons were exercised on the CPU with the 'cuda' runs replaced by CPU runs with the
 * loss in the graph (then an option on the CPU, now the only loss on both devices): step losses
 * within 7.9e-8 relative, parameters within 8.9e-7, the resume bitwise.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cudaAvailable, loadSafetensors } from '@deepsc/core';
import type { DeepScCovidInstance } from '@deepsc/deepsc-covid';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CheckpointState, checkTrainingDevice, type TrainConfig, train } from '../src/index.js';
import { tinyCohort, tinyConfig } from './support/cohort.js';

const haveGpu = cudaAvailable();
const whyNot = (() => {
  try {
    checkTrainingDevice('cuda');
    return '';
  } catch (err) {
    return (err as Error).message.split('\n').at(-1)?.trim() ?? String(err);
  }
})();
const skipReason = `SKIPPED: no CUDA device (${whyNot})`;

const STEPS = 3;
const LOSS_TOL = 1e-4;
const VAL_LOSS_TOL = 1e-3;
const PARAM_ABS = 1e-4;
const PARAM_SHARE = 1e-3;

describe('trainer on CUDA: a GPU was required', () => {
  it.runIf(process.env.DEEPSC_REQUIRE_CUDA === '1')(
    'DEEPSC_REQUIRE_CUDA=1: training.device cuda is available',
    () => {
      expect(haveGpu, whyNot).toBe(true);
    },
  );
});

interface Run {
  out: string;
  losses: number[];
  valLoss: number;
  state: CheckpointState;
  params: Record<string, Float32Array>;
  model: Buffer;
  optimizer: Buffer;
}

async function readRun(out: string): Promise<Run> {
  const records = (await readFile(join(out, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { split: string; step: number; loss: number });
  const last = join(out, 'checkpoints', 'last');
  const { tensors } = await loadSafetensors(join(last, 'model.safetensors'));
  const params: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(tensors)) {
    params[name] = Float32Array.from(t.data);
    t.dispose();
  }
  return {
    out,
    losses: records.filter((r) => r.split === 'train').map((r) => r.loss),
    valLoss: records.find((r) => r.split === 'val')?.loss ?? Number.NaN,
    state: JSON.parse(await readFile(join(last, 'state.json'), 'utf8')) as CheckpointState,
    params,
    model: await readFile(join(last, 'model.safetensors')),
    optimizer: await readFile(join(last, 'optimizer.safetensors')),
  };
}

/** Largest relative difference of two loss sequences, with the step it is at. */
function lossDiff(a: number[], b: number[]): { rel: number; step: number } {
  expect(b).toHaveLength(a.length);
  let worst = { rel: 0, step: 0 };
  for (const [s, x] of a.entries()) {
    const rel = Math.abs((b[s] as number) - x) / Math.max(Math.abs(x), 1e-12);
    if (!(rel <= worst.rel)) worst = { rel, step: s + 1 };
  }
  return worst;
}

/** The share of parameter elements differing by more than PARAM_ABS, and the largest difference. */
function paramDiff(a: Run, b: Run): { share: number; max: number; worst: string } {
  let over = 0;
  let n = 0;
  let max = 0;
  let worst = '';
  expect(Object.keys(b.params).sort()).toEqual(Object.keys(a.params).sort());
  for (const [name, x] of Object.entries(a.params)) {
    const y = b.params[name] as Float32Array;
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs((x[i] as number) - (y[i] as number));
      if (!(d <= PARAM_ABS)) over++;
      if (!(d <= max)) {
        max = d;
        worst = name;
      }
    }
    n += x.length;
  }
  return { share: over / n, max, worst };
}

describe.skipIf(!haveGpu)(
  haveGpu ? 'trainer on CUDA (tiny preset)' : `trainer on CUDA (tiny preset): ${skipReason}`,
  () => {
    let cohort: { dir: string; manifest: string };
    let cpu: Run;
    let cuda: Run;
    /** One epoch per step, so metrics.jsonl has every step's loss; validation at the end runs the inference copy. */
    const config = (out: string, device: 'cpu' | 'cuda'): TrainConfig =>
      tinyConfig(cohort.manifest, out, {
        training: { epochs: STEPS, stepsPerEpoch: 1, validateEvery: STEPS, checkpointEvery: 1, device },
      });

    beforeAll(async () => {
      cohort = await tinyCohort();
      for (const device of ['cpu', 'cuda'] as const) {
        const out = join(cohort.dir, `run-${device}`);
        const r = await train(config(out, device), { progress: { style: 'off' } });
        expect(r.network.model.device).toBe(device);
        expect((r.network as DeepScCovidInstance).network.lossOptions, 'the loss in the graph').toBeDefined();
        r.network.model.dispose();
        expect(r.status).toBe('completed');
        expect(r.steps).toBe(STEPS);
        if (device === 'cpu') cpu = await readRun(out);
        else cuda = await readRun(out);
      }
    });

    it(`${STEPS} steps on cuda vs cpu from the same seed: step losses within ${LOSS_TOL} relative, parameters, validation loss`, () => {
      expect(cuda.state.device).toBe('cuda');
      expect(cpu.state.device).toBe('cpu');
      expect(cpu.losses).toHaveLength(STEPS);
      const l = lossDiff(cpu.losses, cuda.losses);
      const p = paramDiff(cpu, cuda);
      const v = Math.abs(cuda.valLoss - cpu.valLoss) / Math.abs(cpu.valLoss);
      console.log(
        `[trainer cuda vs cpu] losses cpu ${cpu.losses.join(', ')}; cuda ${cuda.losses.join(', ')}; ` +
          `worst relative ${l.rel.toExponential(2)} at step ${l.step}; parameters: max |diff| ` +
          `${p.max.toExponential(2)} (${p.worst}), share > ${PARAM_ABS} ${p.share.toExponential(2)}; ` +
          `validation loss ${cpu.valLoss} vs ${cuda.valLoss} (relative ${v.toExponential(2)})`,
      );
      expect(l.rel, `step ${l.step}`).toBeLessThanOrEqual(LOSS_TOL);
      expect(p.share, `largest difference ${p.max} in ${p.worst}`).toBeLessThanOrEqual(PARAM_SHARE);
      expect(Number.isFinite(cpu.valLoss)).toBe(true);
      expect(v).toBeLessThanOrEqual(VAL_LOSS_TOL);
    });

    it('a resume on cuda from a cuda checkpoint is bitwise the uninterrupted cuda run', async () => {
      const out = join(cohort.dir, 'run-cuda-resumed');
      const first = await train(config(out, 'cuda'), { progress: { style: 'off' }, stopAfterSteps: 1 });
      first.network.model.dispose();
      expect(first.status).toBe('interrupted');
      const second = await train(config(out, 'cuda'), {
        progress: { style: 'off' },
        resume: first.lastCheckpoint,
      });
      second.network.model.dispose();
      expect(second.steps).toBe(STEPS);
      const got = await readRun(out);
      expect(got.losses).toEqual(cuda.losses);
      expect(got.model.equals(cuda.model), 'model.safetensors').toBe(true);
      expect(got.optimizer.equals(cuda.optimizer), 'optimizer.safetensors').toBe(true);
    });

    it.each([
      ['cpu', 'cuda'],
      ['cuda', 'cpu'],
    ] as const)('a %s checkpoint resumes on %s within float rounding', async (from, to) => {
      const out = join(cohort.dir, `run-${from}-to-${to}`);
      const first = await train(config(out, from), { progress: { style: 'off' }, stopAfterSteps: 1 });
      first.network.model.dispose();
      const second = await train(config(out, to), {
        progress: { style: 'off' },
        resume: first.lastCheckpoint,
      });
      expect(second.network.model.device).toBe(to);
      second.network.model.dispose();
      expect(second.status).toBe('completed');
      expect(second.steps).toBe(STEPS);
      const got = await readRun(out);
      expect(got.state.device).toBe(to);
      // the first step is the `from` run's; the rest continue on `to`
      const ref = from === 'cpu' ? cpu : cuda;
      expect(got.losses[0]).toBe(ref.losses[0]);
      const l = lossDiff(cpu.losses, got.losses);
      const p = paramDiff(cpu, got);
      console.log(
        `[trainer ${from} -> ${to}] worst loss relative ${l.rel.toExponential(2)} at step ${l.step}; parameters max |diff| ${p.max.toExponential(2)}, share > ${PARAM_ABS} ${p.share.toExponential(2)}`,
      );
      expect(l.rel, `step ${l.step}`).toBeLessThanOrEqual(LOSS_TOL);
      expect(p.share).toBeLessThanOrEqual(PARAM_SHARE);
    });
  },
);
