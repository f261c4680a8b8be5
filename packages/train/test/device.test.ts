/**
 * `training.device` on every machine: the network a CPU run trains (the loss in its graph, as on
 * CUDA), the error before training when `cuda` is asked for but unavailable (what a machine
 * without a GPU does), the device recorded in `state.json`, and a checkpoint recorded as trained on `cuda` resuming
 * on the CPU. The GPU runs themselves are in device-cuda.test.ts.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cudaAvailable } from '@deepsc/core';
import type { DeepScCovidInstance } from '@deepsc/deepsc-covid';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CheckpointState, ConfigError, checkTrainingDevice, train } from '../src/index.js';
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
  it("a CPU run trains DeepSC-COVID with the config's loss section compiled into its graph, as a CUDA run", async () => {
    const out = join(cohort.dir, 'run-cpu-loss');
    const loss = { focalGamma: 1, classWeights: [1, 2, 0.5], levelWeights: [0.5, 1, 2] } as const;
    const config = tinyConfig(cohort.manifest, out, {
      loss,
      training: { epochs: 1, stepsPerEpoch: 3, validateEvery: 0, checkpointEvery: 1 },
    });
    const r = await train(config, { progress: { style: 'off' }, stopAfterSteps: 1 });
    expect((r.network as DeepScCovidInstance).network.lossOptions).toMatchObject(loss);
    expect(Object.keys(r.network.model.outputs)).toContain('loss');
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
