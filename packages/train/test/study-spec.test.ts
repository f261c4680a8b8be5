import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadStudySpec,
  parseStudySpec,
  planStudy,
  quickStudy,
  readStudyJson,
  shippedStudyPath,
  studyClasses,
  writeStudyJson,
} from '../src/index.js';

describe('the shipped DeepSC-COVID ablation', () => {
  it('has the five arms of issue 15 with at least 5 seeds, one budget for all, and a quick form of 2 arms x 2 seeds', async () => {
    const { spec } = await loadStudySpec(shippedStudyPath('deepsc-covid-ablation'));
    expect(spec.arms.map((a) => a.name)).toEqual([
      'segmentation-only',
      'classification-only',
      'joint-no-task-aware',
      'joint',
      'joint-no-cross-stitch',
    ]);
    expect(spec.arms.map((a) => a.set[0])).toEqual([
      'model.variant="segmentation-only"',
      'model.variant="classification-only"',
      'model.variant="joint-without-task-aware"',
      'model.variant="joint"',
      'model.variant="joint-without-cross-stitch"',
    ]);
    expect(spec.seeds.length).toBeGreaterThanOrEqual(5);
    // the budget lives in the base only: no arm changes epochs or steps
    for (const a of spec.arms)
      expect(
        a.set.filter((s) => s.startsWith('training.epochs') || s.startsWith('training.stepsPerEpoch')),
      ).toEqual([]);
    const q = quickStudy(spec);
    expect(q.arms).toHaveLength(2);
    expect(q.seeds).toEqual([0, 1]);
    // quick overrides come after each arm's own, so they win
    expect(q.arms[1]?.set.at(-1)).toBe('data.workers=0');
    expect(q.synthetic?.scans).toBe(20);
  });
});

describe('study files keep NaN and infinities', () => {
  it.each([
    [{ a: Number.NaN }],
    [{ a: [1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5] }],
    [{ nested: { dice: Number.NaN, hd95: Number.POSITIVE_INFINITY, id: 's1' } }],
  ])('%j round-trips', async (value) => {
    const dir = await mkdtemp(join(tmpdir(), 'deepsc-study-json-'));
    const path = join(dir, 'x.json');
    await writeStudyJson(path, value);
    expect(await readStudyJson(path)).toEqual(value);
    await rm(dir, { recursive: true });
  });
  it('a missing file reads as undefined', async () => {
    expect(await readStudyJson(join(tmpdir(), 'deepsc-no-such-study-file.json'))).toBeUndefined();
  });
});

describe('parseStudySpec', () => {
  const ok = { name: 's', base: { data: { manifest: 'm.json' } }, arms: [{ name: 'a' }], seeds: [0, 1] };
  it.each([
    ['a seed listed twice', { ...ok, seeds: [1, 1] }, /seeds: a seed is listed twice/],
    ['base.seed set', { ...ok, base: { ...ok.base, seed: 3 } }, /base\.seed: set by the study/],
    ['too many runs', { ...ok, seeds: [...Array(1001).keys()] }, /1 x 1001 = 1001 runs; at most 1000/],
    ['an unknown field', { ...ok, arm: [] }, /arm/],
  ] as const)('%s: ConfigError naming it', (_what, input, message) => {
    expect(() => parseStudySpec(input, 'x.json')).toThrow(message);
  });
  it('takes an arm naming its model and model section', () => {
    const arms = [{ name: 'unet', model: { name: 'unet3d', preset: 'tiny' } }, { name: 'default' }];
    const spec = parseStudySpec({ ...ok, arms });
    expect(spec.arms.map((a) => a.model)).toEqual([{ name: 'unet3d', preset: 'tiny' }, undefined]);
    expect(() => parseStudySpec({ ...ok, arms: [{ name: 'a', model: 'unet3d' }] }, 'x.json')).toThrow(
      /arms\[0\]\.model/,
    );
  });
  it('fills in the defaults', () => {
    expect(parseStudySpec(ok)).toMatchObject({
      resamples: 1000,
      description: '',
      arms: [{ name: 'a', set: [] }],
    });
  });
});

describe('planStudy: arms of several models', () => {
  const study = (arms: unknown[]) => {
    const spec = parseStudySpec({
      name: 's',
      base: { model: { preset: 'tiny' }, data: { manifest: 'm.json' } },
      arms,
      seeds: [0],
    });
    return { spec, baseDir: '/r', path: '/r/s.json' };
  };

  it("an arm naming the U-Net runs it with its own model section; the records share the classifier's classes", async () => {
    const s = study([
      { name: 'joint' },
      { name: 'unet', model: { name: 'unet3d', preset: 'tiny' }, set: ['training.bestMetric="dice"'] },
    ]);
    const plan = await planStudy(s, s.spec, { out: '/r/out' });
    expect(plan.map((r) => [r.arm, r.model.spec.name, r.config.model])).toEqual([
      ['joint', 'deepsc-covid', { name: 'deepsc-covid', preset: 'tiny' }],
      ['unet', 'unet3d', { name: 'unet3d', preset: 'tiny' }],
    ]);
    expect(studyClasses(plan).map((c) => c.label)).toEqual(['covid', 'cap', 'normal']);
  });

  it.each([
    [
      [{ name: 'x', model: { name: 'resnet' } }],
      /\/r\/s\.json \(arm x\)[\s\S]*model\.name: unknown model "resnet"/,
    ],
    [[{ name: 'x', model: { name: 'unet3d', variant: 'joint' } }], /\(arm x\)[\s\S]*variant/],
  ])('refuses an arm whose model does not resolve, naming the arm (%j)', async (arms, message) => {
    const s = study(arms);
    const err = await planStudy(s, s.spec, { out: '/r/out' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
  });
});
