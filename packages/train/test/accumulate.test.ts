import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng, ScanLoader } from '@deepsc/io';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  augmentScan,
  CheckpointError,
  epochOrder,
  preprocessOptions,
  splitManifest,
  stepsPerEpoch,
  type TrainConfig,
  train,
} from '../src/index.js';
import { tinyCohort, tinyConfig } from './support/cohort.js';

let cohort: { dir: string; manifest: string };
beforeAll(async () => {
  cohort = await tinyCohort();
});

const weights = async (out: string) => ({
  model: await readFile(join(out, 'checkpoints', 'last', 'model.safetensors')),
  optimizer: await readFile(join(out, 'checkpoints', 'last', 'optimizer.safetensors')),
});

/** accumulate 2 and the default stepsPerEpoch (every training scan once per epoch). */
const accumulating = (out: string): TrainConfig =>
  tinyConfig(cohort.manifest, out, {
    training: { epochs: 2, accumulate: 2, validateEvery: 1, checkpointEvery: 1 },
  });

describe('gradient accumulation in the trainer', () => {
  // What the math says: one step of SGD (no momentum, constant rate) with accumulate 2 moves
  // each parameter by -lr (g_a + g_b) / 2, g_a and g_b the gradients of the step's two scans at
  // the initial weights: the step of a batch of the two scans with the loss's mean over the
  // batch (the trainer's network has batch 1 with one patch region per sample, so the batch
  // of two itself cannot be built; @deepsc/core's tests compare with a real batch of two).
  // The reference takes plain, non-accumulated backward passes of the same samples (same scans,
  // same random streams) and does the arithmetic in float64; the trainer's float32 mean and
  // update differ from it by rounding only: |diff| <= 1e-6 |p| + 1e-7.
  it('one step with accumulate 2 moves the weights by the mean gradient of its two scans', async () => {
    const out = join(cohort.dir, 'run-sgd-accumulate');
    const config = tinyConfig(cohort.manifest, out, {
      optimizer: { kind: 'sgd', momentum: 0, lr: 0.05, segmentationLr: 0.1 },
      schedule: { kind: 'constant' },
      training: { epochs: 1, stepsPerEpoch: 1, accumulate: 2, validateEvery: 0 },
    });
    const r = await train(config, { progress: { style: 'off' } });
    // the same model, through its spec, as the trainer builds it (no optimizer: no step taken)
    const { spec } = r.model;
    const ref = spec.create(r.model.config, { seed: config.seed, mode: 'train', device: 'cpu' });
    const split = await splitManifest(config);
    const loader = new ScanLoader(split.train, {
      preprocess: preprocessOptions(config, r.model),
      cacheDir: join(out, 'cache'),
      workers: 0,
    });
    try {
      expect(r.steps).toBe(1);
      const names = ref.model.trainableNames.filter((n) => !ref.model.parametersWithoutGradient.includes(n));
      const initial = Object.fromEntries(names.map((n) => [n, ref.model.parameter(n)]));
      const grads: Record<string, Float32Array>[] = [];
      let m = 0;
      for await (const scan of loader.iterate(epochOrder(config.seed, 0, split.train.length, 2))) {
        const rng = new Rng(`${config.seed}/step/0/${m++}`);
        const batch = spec.makeBatch(
          ref,
          augmentScan(scan, config.data.augment, rng),
          config.data,
          rng.fork('patch'),
        );
        try {
          await spec.trainingStep(ref, batch.batch, { step: false });
        } finally {
          for (const t of batch.tensors) t.dispose();
        }
        grads.push(Object.fromEntries(names.map((n) => [n, ref.model.gradient(n).data])));
      }
      expect(grads).toHaveLength(2);
      let differ = 0; // the two scans' gradients must differ, or the mean would prove nothing
      for (const n of names) {
        const lr = n.startsWith('lesion.') || n.startsWith('cross_stitch.') ? 0.1 : 0.05;
        const p0 = (initial[n] as { data: Float32Array }).data;
        const [ga, gb] = [grads[0]?.[n] as Float32Array, grads[1]?.[n] as Float32Array];
        const got = r.network.model.parameter(n).data;
        for (let i = 0; i < p0.length; i++) {
          const want = (p0[i] as number) - (lr * ((ga[i] as number) + (gb[i] as number))) / 2;
          differ = Math.max(differ, Math.abs((ga[i] as number) - (gb[i] as number)));
          if (!(Math.abs((got[i] as number) - want) <= 1e-6 * Math.abs(want) + 1e-7))
            throw new Error(`${n}[${i}]: trainer ${got[i]}, mean-gradient step ${want}`);
        }
      }
      expect(differ).toBeGreaterThan(1e-3);
    } finally {
      await loader.close();
      ref.model.dispose();
      r.network.model.dispose();
    }
  });

  it('counts optimizer steps: default steps per epoch, log and checkpoint positions', async () => {
    const out = join(cohort.dir, 'run-accumulate-counts');
    const config = accumulating(out);
    const split = await splitManifest(config);
    const S = stepsPerEpoch(config, split.train.length);
    expect(S).toBe(Math.ceil(split.train.length / 2));
    const r = await train(config, { progress: { style: 'off' } });
    r.network.model.dispose();
    expect(r.steps).toBe(2 * S);
    const state = JSON.parse(await readFile(join(out, 'checkpoints', 'last', 'state.json'), 'utf8'));
    expect([state.epoch, state.step, state.stepInEpoch]).toEqual([2, 2 * S, 0]);
    expect(Object.values(state.optimizer.steps as Record<string, number>).every((s) => s === 2 * S)).toBe(
      true,
    );
    const log = (await readFile(join(out, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.filter((x) => x.split === 'train').map((x) => x.step)).toEqual([S, 2 * S]);
  });

  describe('resume with accumulation is byte-identical', () => {
    let reference: { model: Buffer; optimizer: Buffer; metrics: string };
    let total = 0;
    beforeAll(async () => {
      const out = join(cohort.dir, 'run-accumulate-uninterrupted');
      const r = await train(accumulating(out), { progress: { style: 'off' } });
      r.network.model.dispose();
      total = r.steps;
      reference = { ...(await weights(out)), metrics: await readFile(join(out, 'metrics.jsonl'), 'utf8') };
    });

    it.each([
      ['mid-epoch', 1],
      ['at an epoch boundary', 2],
      ['one step before the end', 3],
    ])('interrupted %s (after %i steps)', async (_what, stopAfter) => {
      expect(total).toBeGreaterThan(stopAfter);
      const out = join(cohort.dir, `run-accumulate-stop-${stopAfter}`);
      const config = accumulating(out);
      const first = await train(config, { progress: { style: 'off' }, stopAfterSteps: stopAfter });
      first.network.model.dispose();
      expect([first.status, first.steps]).toEqual(['interrupted', stopAfter]);
      const second = await train(config, { progress: { style: 'off' }, resume: first.lastCheckpoint });
      second.network.model.dispose();
      expect([second.status, second.steps]).toEqual(['completed', total]);
      const got = await weights(out);
      expect(got.model.equals(reference.model)).toBe(true);
      expect(got.optimizer.equals(reference.optimizer)).toBe(true);
      // the log too: no partial-epoch record, whole-epoch means
      expect(await readFile(join(out, 'metrics.jsonl'), 'utf8')).toBe(reference.metrics);
    });

    it('refuses to resume with another accumulate, naming the field', async () => {
      const out = join(cohort.dir, 'run-accumulate-stop-1');
      const config = { ...accumulating(out), training: { ...accumulating(out).training, accumulate: 1 } };
      await expect(
        train(config, { progress: { style: 'off' }, resume: join(out, 'checkpoints', 'last') }),
      ).rejects.toThrow(CheckpointError);
      await expect(
        train(config, { progress: { style: 'off' }, resume: join(out, 'checkpoints', 'last') }),
      ).rejects.toThrow(/training\.accumulate or training\.stepsPerEpoch differ .*accumulate 2/);
    });

    it('a different accumulate gives different weights (the comparison can fail)', async () => {
      const out = join(cohort.dir, 'run-accumulate-3');
      const base = accumulating(out);
      const r = await train(
        { ...base, training: { ...base.training, accumulate: 3, stepsPerEpoch: total / 2 } },
        { progress: { style: 'off' } },
      );
      r.network.model.dispose();
      expect((await weights(out)).model.equals(reference.model)).toBe(false);
    });
  });
});
