/**
 * `training.device` on every machine: the network options each device implies, the error
 * before training when `cuda` is asked for but unavailable (what a machine without a GPU does),
 * the device recorded in `state.json`, and a checkpoint recorded as trained on `cuda` resuming
 * on the CPU. The GPU runs themselves are in device-cuda.test.ts.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cudaAvailable } from '@deepsc/core';
import type { DeepScCovidInstance, Variant } from '@deepsc/deepsc-covid';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckpointState,
  ConfigError,
  checkTrainingDevice,
  type TrainConfigInput,
  train,
} from '../src/index.js';
import { tinyCohort, tinyConfig } from './support/cohort.js';

const haveGpu = cudaAvailable();
let cohort: { dir: string; manifest: string };

const files = async (out: string) => ({
  model: await readFile(join(out, 'checkpoints', 'last', 'model.safetensors')),
  optimizer: await readFile(join(out, 'checkpoints', 'last', 'optimizer.safetensors')),
});

/** Three steps in one epoch, no validation: the shortest run that can be interrupted and resumed. */
const shortConfig = (out: string, device: 'cpu' | 'cuda' = 'cpu') =>
  tinyConfig(cohort.manifest, out, {
    training: { epochs: 1, stepsPerEpoch: 3, validateEvery: 0, checkpointEvery: 1, device },
  });

beforeAll(async () => {
  cohort = await tinyCohort();
});

describe('the device of a training run', () => {
  it("a CPU run computes DeepSC-COVID's loss on the host (the model's create decides)", async () => {
    const out = join(cohort.dir, 'run-cpu-loss-path');
    const r = await train(shortConfig(out), { progress: { style: 'off' }, stopAfterSteps: 1 });
    expect((r.network as DeepScCovidInstance).network.loss).toBe('host');
    r.network.model.dispose();
  });

  it.each(['tpu', 'CUDA', ''])(
    'checkTrainingDevice rejects %j naming the field and the allowed values',
    (d) => {
      expect(() => checkTrainingDevice(d as 'cpu')).toThrow(ConfigError);
      expect(() => checkTrainingDevice(d as 'cpu')).toThrow(
        `training.device: got ${JSON.stringify(d)}; allowed: "cpu", "cuda"`,
      );
    },
  );

  it('checkTrainingDevice accepts cpu everywhere', () => {
    expect(() => checkTrainingDevice('cpu')).not.toThrow();
  });
});

describe.skipIf(haveGpu)(
  haveGpu
    ? 'training.device cuda without CUDA: SKIPPED: a GPU is visible (device-cuda.test.ts trains on it)'
    : 'training.device cuda without CUDA (this machine: no CUDA build or no GPU)',
  () => {
    it('checkTrainingDevice says why, naming training.device', () => {
      let err: unknown;
      try {
        checkTrainingDevice('cuda', 'train.json');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as ConfigError).message;
      expect(message).toContain('invalid configuration in train.json');
      expect(message).toMatch(
        /training\.device: got "cuda"; device 'cuda' is not available: (this engine was built without CUDA|no GPU is visible); use 'cpu' \(allowed here: "cpu"\)/,
      );
    });

    it('train rejects before writing anything', async () => {
      const out = join(cohort.dir, 'run-cuda-unavailable');
      await expect(train(shortConfig(out, 'cuda'), { progress: { style: 'off' } })).rejects.toThrow(
        /training\.device: got "cuda"; device 'cuda' is not available/,
      );
      expect(existsSync(out)).toBe(false);
    });

    it('resuming a CPU checkpoint with training.device cuda is rejected the same way', async () => {
      const out = join(cohort.dir, 'run-cuda-resume-unavailable');
      const first = await train(shortConfig(out), { progress: { style: 'off' }, stopAfterSteps: 1 });
      first.network.model.dispose();
      await expect(
        train(shortConfig(out, 'cuda'), { progress: { style: 'off' }, resume: first.lastCheckpoint }),
      ).rejects.toThrow(ConfigError);
    });
  },
);

/** Per-step training losses of a run's metrics.jsonl (stepsPerEpoch 1: one record per step). */
const stepLosses = async (out: string) =>
  (await readFile(join(out, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { split: string; loss: number })
    .filter((r) => r.split === 'train')
    .map((r) => r.loss);

describe('the trainer with the loss in the graph (the path a cuda run takes), on the CPU', () => {
  it.each([
    ['joint', 'accuracy', {}],
    ['joint', 'accuracy', { focalGamma: 1, classWeights: [1, 2, 0.5], levelWeights: [0.5, 1, 2] }],
    ['segmentation-only', 'dice', { segClassWeights: [1, 3] }],
    ['classification-only', 'accuracy', {}],
    ['joint-without-task-aware', 'accuracy', {}],
  ] as [Variant, 'accuracy' | 'dice', NonNullable<TrainConfigInput['loss']>][])(
    '%s, loss options %j: every step loss as with the host loss',
    async (variant, bestMetric, loss) => {
      const runs: number[][] = [];
      for (const path of ['host', 'graph'] as const) {
        const out = join(cohort.dir, `run-loss-${variant}-${Object.keys(loss).length}-${path}`);
        const config = tinyConfig(cohort.manifest, out, {
          model: { preset: 'tiny', variant },
          loss,
          training: { epochs: 3, stepsPerEpoch: 1, validateEvery: 3, bestMetric, checkpointEvery: 3 },
        });
        const r = await train(config, { progress: { style: 'off' }, modelOptions: { loss: path } });
        expect((r.network as DeepScCovidInstance).network.loss).toBe(path);
        r.network.model.dispose();
        expect(r.status).toBe('completed');
        runs.push(await stepLosses(out));
      }
      const [host, graph] = runs as [number[], number[]];
      expect(host).toHaveLength(3);
      // graph-loss.test.ts: the two paths' losses agree within 2e-6 relative for one step; the
      // parameters they update then differ by float rounding (measured: at most 2e-7 relative
      // over these three steps), so the bound is 1e-5
      for (const [s, h] of host.entries())
        expect(Math.abs((graph[s] as number) - h), `step ${s + 1}`).toBeLessThanOrEqual(1e-5 * Math.abs(h));
      expect(new Set(host).size, 'the losses change from step to step').toBe(3);
    },
  );
});

describe('checkpoints and the device', () => {
  let reference: { model: Buffer; optimizer: Buffer };

  beforeAll(async () => {
    const out = join(cohort.dir, 'run-device-reference');
    const r = await train(shortConfig(out), { progress: { style: 'off' } });
    r.network.model.dispose();
    expect(r.steps).toBe(3);
    reference = await files(out);
    const state = JSON.parse(
      await readFile(join(out, 'checkpoints', 'last', 'state.json'), 'utf8'),
    ) as CheckpointState;
    expect(state.device).toBe('cpu');
    expect(state.config.training.device).toBe('cpu');
  });

  it.each([
    ['recorded as cuda', 'cuda'],
    ['written before the device was recorded', undefined],
  ] as const)(
    'a checkpoint %s resumes on the CPU (byte-identical here: its weights are CPU ones)',
    async (_what, recorded) => {
      const out = join(cohort.dir, `run-device-${recorded ?? 'none'}`);
      const first = await train(shortConfig(out), { progress: { style: 'off' }, stopAfterSteps: 1 });
      first.network.model.dispose();
      // state.json is not hashed: rewrite what it says about the device, as a GPU run (or an older version) would have
      const path = join(first.lastCheckpoint, 'state.json');
      const state = JSON.parse(await readFile(path, 'utf8')) as CheckpointState;
      if (recorded) {
        state.device = recorded;
        state.config.training.device = recorded;
      } else {
        delete state.device;
        delete (state.config.training as { device?: string }).device;
      }
      await writeFile(path, JSON.stringify(state));
      const lines: string[] = [];
      const second = await train(shortConfig(out), {
        progress: { style: 'lines', intervalMs: 1e9, stream: { write: (s: string) => lines.push(s) > 0 } },
        resume: first.lastCheckpoint,
      });
      second.network.model.dispose();
      expect(second.status).toBe('completed');
      expect(second.steps).toBe(3);
      const got = await files(out);
      expect(got.model.equals(reference.model)).toBe(true);
      expect(got.optimizer.equals(reference.optimizer)).toBe(true);
      const note = lines.some((l) => l.includes('resuming a checkpoint trained on cuda on cpu'));
      expect(note).toBe(recorded === 'cuda');
    },
  );
});
