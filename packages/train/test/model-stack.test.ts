/**
 * The generic stack over the models the registry ships: each trains a few steps through the same
 * trainer (the loop and its handlers), logs the metrics of its own tasks, records its name and
 * version in the checkpoints, resumes bit-identically after an interrupt, predicts from its
 * checkpoint through the same inferer and evaluation, and refuses to resume the other model's
 * checkpoint, naming both.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  type CheckpointState,
  evaluateSplit,
  loadPredictor,
  preprocessOptions,
  readCheckpointState,
  type TrainConfig,
  type TrainConfigInput,
  train,
} from '../src/index.js';
import { tinyCohort, tinyConfig } from './support/cohort.js';

let cohort: { dir: string; manifest: string };
beforeAll(async () => {
  cohort = await tinyCohort();
});

interface Case {
  name: string;
  model: Record<string, unknown>;
  extra: Partial<TrainConfigInput>;
  /** The validation record's metrics. */
  metrics: string[];
  /** The train record's learning-rate fields. */
  rates: string[];
  classes: string[];
  maps: string[];
}

const CASES: Case[] = [
  {
    name: 'unet3d',
    model: { name: 'unet3d', preset: 'tiny' },
    extra: { training: { epochs: 2, stepsPerEpoch: 2, validateEvery: 1, bestMetric: 'dice' } },
    metrics: ['dice'],
    rates: ['lr'],
    classes: [],
    maps: [],
  },
  {
    name: 'deepsc-covid',
    model: { name: 'deepsc-covid', preset: 'tiny' },
    extra: { training: { epochs: 2, stepsPerEpoch: 2, validateEvery: 1, bestMetric: 'accuracy' } },
    metrics: ['accuracy', 'auc', 'loss', 'dice'],
    rates: ['segmentationLr', 'lr'],
    classes: ['COVID-19', 'CAP', 'non-pneumonia'],
    maps: ['evidence'],
  },
];

const config = (c: Case, out: string): TrainConfig =>
  tinyConfig(cohort.manifest, join(cohort.dir, out), {
    ...c.extra,
    model: c.model as TrainConfigInput['model'],
  });

const records = async (out: string) =>
  (await readFile(join(out, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.each(CASES)('$name through the generic stack', (c) => {
  let reference: { out: string; model: Buffer; optimizer: Buffer; metrics: string };

  beforeAll(async () => {
    const cfg = config(c, `${c.name}-whole`);
    const r = await train(cfg, { progress: { style: 'off' } });
    r.network.model.dispose();
    expect(r.status).toBe('completed');
    expect(r.model.spec.name).toBe(c.name);
    const last = join(cfg.out, 'checkpoints', 'last');
    reference = {
      out: cfg.out,
      model: await readFile(join(last, 'model.safetensors')),
      optimizer: await readFile(join(last, 'optimizer.safetensors')),
      metrics: await readFile(join(cfg.out, 'metrics.jsonl'), 'utf8'),
    };
  });

  it("logs the model's own metrics and learning rates, and records the model", async () => {
    const log = await records(reference.out);
    const trainRecs = log.filter((r) => r.split === 'train');
    const valRecs = log.filter((r) => r.split === 'val');
    expect(trainRecs.map((r) => r.step)).toEqual([2, 4]);
    for (const r of trainRecs) {
      expect(Number.isFinite(r.loss)).toBe(true);
      for (const k of c.rates) expect(typeof r[k]).toBe('number');
    }
    expect(valRecs).toHaveLength(2);
    for (const r of valRecs)
      expect(Object.keys(r).sort()).toEqual(['epoch', 'split', 'step', ...c.metrics].sort());
    const run = JSON.parse(await readFile(join(reference.out, 'run.json'), 'utf8'));
    expect(run.model.name).toBe(c.name);
    expect(run.classes).toEqual(c.classes);
    const { state } = await readCheckpointState(join(reference.out, 'checkpoints', 'last'));
    expect(state.model?.name).toBe(c.name);
    expect(state.model?.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('resumes bit-identically after an interrupt', async () => {
    const cfg = config(c, `${c.name}-resumed`);
    const first = await train(cfg, { progress: { style: 'off' }, stopAfterSteps: 1 });
    first.network.model.dispose();
    expect(first.status).toBe('interrupted');
    const second = await train(cfg, { progress: { style: 'off' }, resume: first.lastCheckpoint });
    second.network.model.dispose();
    expect(second.status).toBe('completed');
    const last = join(cfg.out, 'checkpoints', 'last');
    expect((await readFile(join(last, 'model.safetensors'))).equals(reference.model)).toBe(true);
    expect((await readFile(join(last, 'optimizer.safetensors'))).equals(reference.optimizer)).toBe(true);
    expect(await readFile(join(cfg.out, 'metrics.jsonl'), 'utf8')).toBe(reference.metrics);
  });

  it('predicts and evaluates from its checkpoint through the same inferer', async () => {
    const ckpt = join(reference.out, 'checkpoints', 'last');
    const { state } = await readCheckpointState(ckpt);
    const { model, predictor } = await loadPredictor(ckpt, state);
    try {
      expect(predictor.tasks.classes?.map((k) => k.name) ?? []).toEqual(c.classes);
      const cfg = config(c, `${c.name}-whole`);
      const { splitManifest } = await import('../src/index.js');
      const split = await splitManifest(cfg);
      const ev = await evaluateSplit(
        predictor,
        split.val,
        preprocessOptions(cfg, model),
        join(cohort.dir, `${c.name}-eval`),
      );
      expect(ev.scans).toHaveLength(split.val.length);
      for (const s of ev.scans) {
        expect(s.probabilities).toHaveLength(c.classes.length);
        expect(s.label).toBe(c.classes.length ? s.label : -1);
      }
      if (c.classes.length) expect(Number.isFinite(ev.accuracy)).toBe(true);
      else expect(ev.accuracy).toBeNaN();
    } finally {
      predictor.net.model.dispose();
    }
  });

  it("refuses to resume the other model's checkpoint, naming both", async () => {
    const other = CASES.find((x) => x.name !== c.name) as Case;
    const cfg = config(other, `${c.name}-as-${other.name}`);
    await expect(
      train(cfg, { progress: { style: 'off' }, resume: join(reference.out, 'checkpoints', 'last') }),
    ).rejects.toThrow(
      new RegExp(
        `it holds the model ${c.name} \\(version [^)]+\\); this configuration trains ${other.name} \\(version`,
      ),
    );
  });
});

describe('checkpoints without a recorded model', () => {
  it('are read as deepsc-covid checkpoints (written before models had names)', async () => {
    const c = CASES[0] as Case;
    const cfg = config(c, 'unrecorded');
    const first = await train(cfg, { progress: { style: 'off' }, stopAfterSteps: 1 });
    first.network.model.dispose();
    const statePath = join(first.lastCheckpoint, 'state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8')) as CheckpointState & Record<string, unknown>;
    delete state.model;
    delete (state.config.model as Record<string, unknown>).name;
    await writeFile(statePath, JSON.stringify(state));
    const read = await readCheckpointState(first.lastCheckpoint);
    expect(read.state.config.model.name).toBe('deepsc-covid');
    const err = await train(cfg, { progress: { style: 'off' }, resume: first.lastCheckpoint }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(CheckpointError);
    expect(String(err.message)).toContain(
      'it holds the model deepsc-covid (version unrecorded); this configuration trains unet3d',
    );
  });
});
