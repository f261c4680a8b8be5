/**
 * Finite or nothing: a state holding NaN or infinity is found in the engine, never saved, and
 * stops the run naming the step; the last good checkpoint stays as it was.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tensor } from '@deepsc/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DivergedError, saveCheckpoint, type TrainConfig, train } from '../src/index.js';
import { tinyCohort, tinyConfig } from './support/cohort.js';

let cohort: { dir: string; manifest: string };
beforeAll(async () => {
  cohort = await tinyCohort();
});

const sgd = (out: string, lr: number): TrainConfig =>
  tinyConfig(cohort.manifest, out, {
    optimizer: { kind: 'sgd', lr, segmentationLr: lr },
    schedule: { kind: 'constant' },
    training: { epochs: 2, stepsPerEpoch: 2, validateEvery: 0, checkpointEvery: 1 },
  });

const snapshotFolder = async (dir: string) => {
  const out: Record<string, string> = {};
  for (const n of await readdir(dir)) out[n] = (await readFile(join(dir, n))).toString('base64');
  return out;
};

describe('the engine finite check (CompiledModel.nonFiniteParameters)', () => {
  it.each([
    ['NaN', Number.NaN],
    ['+infinity', Number.POSITIVE_INFINITY],
    ['-infinity', Number.NEGATIVE_INFINITY],
  ])('names exactly the tensor holding one %s value', async (_w, value) => {
    const r = await train(sgd(join(cohort.dir, `run-finite-${_w}`), 1e-3), {
      progress: { style: 'off' },
      stopAfterSteps: 1,
    });
    const model = r.network.model;
    try {
      expect(model.nonFiniteParameters()).toEqual([]);
      const name = model.trainableNames[3] as string;
      const t = model.parameter(name);
      const data = new Float32Array(t.data);
      data[data.length - 1] = value;
      const bad = Tensor.from(data, t.shape);
      model.setParameter(name, bad);
      t.dispose();
      bad.dispose();
      expect(model.nonFiniteParameters()).toEqual([name]);
      // and such a state is not saved: nothing appears, not even a temporary folder
      const dir = join(cohort.dir, `ck-finite-${_w}`, 'last');
      const err = await saveCheckpoint(
        dir,
        model,
        { epoch: 0, stepInEpoch: 1, step: 1, best: null, sinceBest: 0 },
        sgd(dir, 1e-3),
        'interrupt',
        {},
      ).catch((e) => e);
      expect(err).toBeInstanceOf(DivergedError);
      expect(String(err.message)).toContain(`'${name}'`);
      expect(String(err.message)).toContain('epoch 1, step 1');
      await expect(readdir(join(cohort.dir, `ck-finite-${_w}`))).rejects.toThrow(/ENOENT/);
    } finally {
      model.dispose();
    }
  });
});

describe('a run that diverges', () => {
  it.each([
    // SGD at 1e12 (the recipe): the first update stays finite, the next backward overflows
    [
      'SGD at 1e12',
      'sgd',
      1e12,
      'gradients',
      /the gradients became non-finite; their global norm was (NaN|Infinity) \(scan synth-\d+\)/,
    ],
    // Adam moves every weight by about the rate: 1e39 is past float's range at once
    [
      'Adam at 1e39',
      'adam',
      1e39,
      'parameters',
      /the parameters hold NaN or infinite values \('.+'.*\); after the optimizer step/,
    ],
    // weights of 1e30 are finite, but the next forward overflows
    [
      'Adam at 1e30',
      'adam',
      1e30,
      'loss',
      /the loss became non-finite; it was (NaN|Infinity|-Infinity) \(scan synth-\d+\)/,
    ],
  ] as const)('%s stops on non-finite %s, writing nothing', async (_w, kind, lr, what, message) => {
    const out = join(cohort.dir, `run-diverge-${kind}-${lr}`);
    const config = sgd(out, lr);
    const err = await train(
      { ...config, optimizer: { ...config.optimizer, kind } },
      { progress: { style: 'off' } },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(DivergedError);
    expect(err.what).toBe(what);
    expect(String(err.message)).toMatch(/^training diverged at epoch 1, step [12] \(step [12] in all\)/);
    expect(String(err.message)).toMatch(message);
    expect(await readdir(join(out, 'checkpoints'))).toEqual([]);
  });

  it('stops with DivergedError naming the step, and the last good checkpoint stays intact', async () => {
    const out = join(cohort.dir, 'run-diverge');
    // a sane first epoch, checkpointed at its end
    const first = await train(sgd(out, 1e-3), { progress: { style: 'off' }, stopAfterSteps: 2 });
    first.network.model.dispose();
    const last = join(out, 'checkpoints', 'last');
    const before = await snapshotFolder(last);
    expect(JSON.parse(await readFile(join(last, 'state.json'), 'utf8')).step).toBe(2);
    // the recipe: SGD at 1e12 (the rate is not part of what a resume must match)
    const err = await train(sgd(out, 1e12), { progress: { style: 'off' }, resume: 'auto' }).catch((e) => e);
    expect(err).toBeInstanceOf(DivergedError);
    expect(String(err.message)).toMatch(/training diverged at epoch 2, step [12] \(step [34] in all\)/);
    expect(String(err.message)).toContain(
      'Nothing non-finite was written (checkpoints saved before this step stay as they were)',
    );
    expect(await snapshotFolder(last)).toEqual(before);
    const names = await readdir(join(out, 'checkpoints'));
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
    // and the run resumes from it with a sane rate
    const again = await train(sgd(out, 1e-3), { progress: { style: 'off' }, resume: 'auto' });
    again.network.model.dispose();
    expect(again.status).toBe('completed');
    expect(again.steps).toBe(4);
  });
});
