/**
 * Which study a results folder holds (`study.json`): the same study resumes, a study file that
 * extends the pinned one (new arms, new name or descriptions) is re-pinned, anything else is
 * refused naming what differs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimStudyFolder,
  comparePins,
  loadStudySpec,
  quickStudy,
  type StudyPin,
  type StudySpec,
  shippedStudyPath,
} from '../src/index.js';

let shipped: StudySpec;
/** The shipped ablation as the study of 06:58 pinned it: arms 1-4, the old description. */
let fourArms: StudySpec;
let dir: string;

beforeAll(async () => {
  shipped = (await loadStudySpec(shippedStudyPath('deepsc-covid-ablation'))).spec;
  fourArms = {
    ...shipped,
    description:
      'Does joint learning help? Arms 1-4 of issue 15 on the synthetic cohort: the same cohort, split, network size and training budget (epochs and steps) for every arm, 5 seeds each. Arm 5 (joint without the cross-stitch unit) is missing: @deepsc/core has no such variant yet.',
    arms: shipped.arms.filter((a) => a.name !== 'joint-no-cross-stitch'),
  };
  dir = await mkdtemp(join(tmpdir(), 'deepsc-study-pin-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pin = (spec: StudySpec, extra: Partial<StudyPin> = {}): StudyPin => ({
  spec,
  quick: false,
  overrides: [],
  ...extra,
});
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('comparePins', () => {
  it('the same study is the same', () => {
    expect(comparePins(clone(pin(fourArms)), pin(fourArms))).toEqual({ kind: 'same' });
  });

  it.each([
    ['a fifth arm (the shipped ablation after arm 5 was added)', () => shipped, ['joint-no-cross-stitch']],
    ['a new name and description only', () => ({ ...fourArms, name: 'renamed', description: 'new' }), []],
    [
      "an arm's description changed",
      () => ({ ...fourArms, arms: fourArms.arms.map((a) => ({ ...a, description: 'x' })) }),
      [],
    ],
    [
      'arms in another order, one added first',
      () => ({
        ...fourArms,
        arms: [{ name: 'first', description: '', set: [] }, ...[...fourArms.arms].reverse()],
      }),
      ['first'],
    ],
  ] as const)('extends: %s', (_, now, added) => {
    expect(comparePins(clone(pin(fourArms)), pin(now()))).toEqual({ kind: 'extends', addedArms: added });
  });

  it.each([
    [
      'an arm removed',
      (s: StudySpec) => ({ ...s, arms: s.arms.slice(1) }),
      /its arm "segmentation-only" is not in this study file/,
    ],
    [
      "an arm's overrides changed",
      (s: StudySpec) => ({
        ...s,
        arms: s.arms.map((a) => (a.name === 'joint' ? { ...a, set: [...a.set, 'training.epochs=7'] } : a)),
      }),
      /its arm "joint" ran with \["model\.variant=\\"joint\\""\], this study file gives \["model\.variant=\\"joint\\"", "training\.epochs=7"\]/,
    ],
    [
      "an arm's model section changed",
      (s: StudySpec) => ({
        ...s,
        arms: s.arms.map((a) =>
          a.name === 'joint' ? { ...a, model: { name: 'unet3d', preset: 'tiny' } } : a,
        ),
      }),
      /its arm "joint" ran with the model section null, this study file gives \{"name":"unet3d","preset":"tiny"\}/,
    ],
    [
      'an arm renamed',
      (s: StudySpec) => ({ ...s, arms: s.arms.map((a) => ({ ...a, name: `${a.name}-x` })) }),
      /its arm "segmentation-only" is not in this study file/,
    ],
    [
      'another base',
      (s: StudySpec) => ({ ...s, base: { ...s.base, preset: 'cpu' } }),
      /the study file's "base" differs/,
    ],
    [
      'another cohort',
      (s: StudySpec) => ({
        ...s,
        synthetic: { ...(s.synthetic as NonNullable<StudySpec['synthetic']>), scans: 301 },
      }),
      /the study file's "synthetic" differs/,
    ],
    [
      'a seed added',
      (s: StudySpec) => ({ ...s, seeds: [...s.seeds, 5] }),
      /the study file's "seeds" differs/,
    ],
    [
      'other resamples',
      (s: StudySpec) => ({ ...s, resamples: 2000 }),
      /the study file's "resamples" differs/,
    ],
    [
      'another quick form',
      (s: StudySpec) => ({ ...s, quick: undefined }),
      /the study file's "quick" differs/,
    ],
    ['another ceiling', (s: StudySpec) => ({ ...s, ceiling: 0.9 }), /the study file's "ceiling" differs/],
  ])('refuses %s', (_, change, message) => {
    const c = comparePins(clone(pin(fourArms)), pin(change(fourArms) as StudySpec));
    expect(c.kind).toBe('differs');
    expect(c.kind === 'differs' && c.reason).toMatch(message);
    expect(c.kind === 'differs' && c.reason).toMatch(
      /^holds study "DeepSC-COVID ablation", not this one \(.*\); use another --out$/,
    );
  });

  it.each([
    ['--quick', { quick: true }, /\(--quick differs\)/],
    ['--set', { overrides: ['data.workers=2'] }, /\(--set differs\)/],
  ])('refuses another %s', (_, extra, message) => {
    const c = comparePins(clone(pin(fourArms)), pin(fourArms, extra));
    expect(c.kind === 'differs' && c.reason).toMatch(message);
  });

  it.each([
    ['not an object', 'nope'],
    ['no spec', { quick: false }],
    ['a spec without arms', { spec: { name: 'x' } }],
  ])('an unreadable pin (%s) is another study', (_, was) => {
    const c = comparePins(was, pin(fourArms));
    expect(c.kind).toBe('differs');
  });

  it('the same study on another version of its manifest', () => {
    expect(
      comparePins(clone(pin(fourArms, { manifestSha256: 'a' })), pin(fourArms, { manifestSha256: 'b' })),
    ).toEqual({
      kind: 'manifest-changed',
    });
  });

  it('the quick form extends only as the quick form', () => {
    const q = quickStudy(fourArms);
    const q5 = quickStudy(shipped);
    // the quick arms are the same two: the fifth arm is outside the quick form
    expect(comparePins(clone(pin(q, { quick: true })), pin(q5, { quick: true }))).toEqual({
      kind: 'extends',
      addedArms: [],
    });
  });
});

describe('claimStudyFolder', () => {
  it('pins a new folder, resumes the same study, re-pins an extension and refuses another', async () => {
    const out = join(dir, 'claim');
    await rm(out, { recursive: true, force: true });
    await import('node:fs/promises').then((f) => f.mkdir(out));
    expect(await claimStudyFolder(out, pin(fourArms))).toEqual([]);
    const first = await readFile(join(out, 'study.json'), 'utf8');
    expect(JSON.parse(first).spec.arms).toHaveLength(4);
    expect(await claimStudyFolder(out, pin(fourArms))).toEqual([]);
    expect(await claimStudyFolder(out, pin(shipped))).toEqual(['joint-no-cross-stitch']);
    const second = JSON.parse(await readFile(join(out, 'study.json'), 'utf8'));
    expect(second.spec.arms.map((a: { name: string }) => a.name)).toContain('joint-no-cross-stitch');
    expect(second.spec.description).toBe(shipped.description);
    // re-pinned: the five-arm study is now the same, the four-arm one no longer holds every arm
    expect(await claimStudyFolder(out, pin(shipped))).toEqual([]);
    await expect(claimStudyFolder(out, pin(fourArms))).rejects.toThrow(
      /run folder .*claim: holds study "DeepSC-COVID ablation", not this one \(its arm "joint-no-cross-stitch" is not in this study file\); use another --out/,
    );
    await expect(
      claimStudyFolder(out, pin(shipped, { manifestSha256: 'x' }), '/data/manifest.json'),
    ).rejects.toThrow(/its runs used another version of \/data\/manifest\.json/);
  });

  it('an unreadable study.json is another study', async () => {
    const out = join(dir, 'garbled');
    await import('node:fs/promises').then((f) => f.mkdir(out));
    await writeFile(join(out, 'study.json'), '{ not json');
    await expect(claimStudyFolder(out, pin(shipped))).rejects.toThrow(/holds another study, not this one/);
    expect(await readFile(join(out, 'study.json'), 'utf8')).toBe('{ not json');
  });
});
