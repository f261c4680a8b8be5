import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { train } from '../src/index.js';
import { tinyCohort, tinyConfig } from './support/cohort.js';

let cohort: { dir: string; manifest: string };
let reference: { model: Buffer; optimizer: Buffer; metrics: string };

const files = async (out: string) => ({
  model: await readFile(join(out, 'checkpoints', 'last', 'model.safetensors')),
  optimizer: await readFile(join(out, 'checkpoints', 'last', 'optimizer.safetensors')),
});

beforeAll(async () => {
  cohort = await tinyCohort();
  const out = join(cohort.dir, 'run-uninterrupted');
  const r = await train(tinyConfig(cohort.manifest, out), { progress: { style: 'off' } });
  r.network.model.dispose();
  expect(r.status).toBe('completed');
  expect(r.steps).toBe(6);
  reference = { ...(await files(out)), metrics: await readFile(join(out, 'metrics.jsonl'), 'utf8') };
});

describe('resume after an interrupt gives bit-identical weights and optimizer state', () => {
  it.each([
    ['mid-epoch', 1],
    ['at an epoch boundary', 3],
    ['one step before the end', 5],
  ])('interrupted %s (after %i steps)', async (_what, stopAfter) => {
    const out = join(cohort.dir, `run-stop-${stopAfter}`);
    const config = tinyConfig(cohort.manifest, out);
    const first = await train(config, { progress: { style: 'off' }, stopAfterSteps: stopAfter });
    first.network.model.dispose();
    expect(first.status).toBe('interrupted');
    expect(first.steps).toBe(stopAfter);
    const state = JSON.parse(await readFile(join(out, 'checkpoints', 'last', 'state.json'), 'utf8'));
    expect(state.step).toBe(stopAfter);
    const second = await train(config, { progress: { style: 'off' }, resume: first.lastCheckpoint });
    second.network.model.dispose();
    expect(second.status).toBe('completed');
    expect(second.steps).toBe(6);
    const got = await files(out);
    expect(got.model.equals(reference.model)).toBe(true);
    expect(got.optimizer.equals(reference.optimizer)).toBe(true);
    // the log reads as one run: one train record per epoch, no duplicates from the interrupted part
    const log = (await readFile(join(out, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const trainSteps = log.filter((r) => r.split === 'train').map((r) => r.step);
    expect(new Set(trainSteps).size).toBe(trainSteps.length);
    expect(Math.max(...trainSteps)).toBe(6);
    // no record of part of an epoch, and the resumed epoch's means cover all of its steps:
    // the log is the uninterrupted run's, byte for byte
    expect(log.filter((r) => r.split === 'train').map((r) => r.epoch)).toEqual([1, 2]);
    expect(await readFile(join(out, 'metrics.jsonl'), 'utf8')).toBe(reference.metrics);
  });

  it('a different seed gives different weights (the comparison can fail)', async () => {
    const out = join(cohort.dir, 'run-other-seed');
    const r = await train({ ...tinyConfig(cohort.manifest, out), seed: 4 }, { progress: { style: 'off' } });
    r.network.model.dispose();
    expect((await files(out)).model.equals(reference.model)).toBe(false);
  });
});
