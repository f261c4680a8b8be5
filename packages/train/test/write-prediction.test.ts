/**
 * A prediction folder holds one `<name>.nii.gz` per map of the model, listed in prediction.json;
 * an overwrite accepts those listed files as the prediction's own and nothing else; a map name
 * that is no plain file name or would replace the lesion outputs is refused, writing nothing.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVolume, scaledAffine, type Volume } from '@deepsc/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PredictionOutputError, type VolumePrediction, writePrediction } from '../src/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deepsc-write-prediction-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const map = (v: number): Volume<Float32Array> =>
  createVolume(new Float32Array(8).fill(v), [2, 2, 2], scaledAffine([1, 1, 1]));

const prediction = (maps: Record<string, Volume<Float32Array>>, lesion = true): VolumePrediction => ({
  probabilities: [],
  classes: [],
  predictedClass: null,
  ...(lesion
    ? {
        lesionProbability: map(0.25),
        lesionMask: createVolume(new Uint8Array(8), [2, 2, 2], scaledAffine([1, 1, 1])),
      }
    : {}),
  maps,
  threshold: 0.5,
  nonFiniteVoxels: { count: 0, replacedWithHu: null },
});

const meta = { input: 'scan.nii.gz', model: 'ckpt' };

describe('writePrediction and the model maps', () => {
  it.each([
    ['no maps (the U-Net)', {}, ['lesion_mask.nii.gz', 'lesion_probability.nii.gz', 'prediction.json']],
    [
      "DeepSC-COVID's evidence",
      { evidence: map(0.5) },
      ['evidence.nii.gz', 'lesion_mask.nii.gz', 'lesion_probability.nii.gz', 'prediction.json'],
    ],
    [
      'two maps of another model',
      { heat: map(0.1), edge_2: map(0.2) },
      ['edge_2.nii.gz', 'heat.nii.gz', 'lesion_mask.nii.gz', 'lesion_probability.nii.gz', 'prediction.json'],
    ],
  ])('writes %s, listed in prediction.json', async (_, maps, files) => {
    const dir = join(root, `out-${Object.keys(maps).join('-') || 'none'}`);
    await writePrediction(dir, prediction(maps), meta);
    expect((await readdir(dir)).sort()).toEqual(files);
    const j = JSON.parse(await readFile(join(dir, 'prediction.json'), 'utf8'));
    for (const name of Object.keys(maps)) expect(j.files[name]).toBe(`${name}.nii.gz`);
  });

  it('replaces a prediction whose map files its prediction.json lists (--overwrite)', async () => {
    const dir = join(root, 'replace');
    await writePrediction(dir, prediction({ heat: map(0.1) }), meta);
    await writePrediction(dir, prediction({ heat: map(0.9) }), meta, { overwrite: true });
    expect((await readdir(dir)).sort()).toContain('heat.nii.gz');
  });

  it('refuses to replace a folder holding a .nii.gz no prediction.json lists', async () => {
    const dir = join(root, 'foreign');
    await mkdir(dir);
    await writeFile(
      join(dir, 'prediction.json'),
      JSON.stringify({ files: { lesion_mask: 'lesion_mask.nii.gz' } }),
    );
    await writeFile(join(dir, 'ct.nii.gz'), 'not a prediction');
    const err = await writePrediction(dir, prediction({}), meta, { overwrite: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PredictionOutputError);
    expect((err as Error).message).toContain('holds files that are not a deepsc prediction (ct.nii.gz)');
    expect((await readdir(dir)).sort()).toEqual(['ct.nii.gz', 'prediction.json']);
  });

  it.each([
    ['a path', '../escape', 'a map named "../escape.nii.gz" cannot be a file name'],
    ['upper case and spaces', 'My Map', 'a map named "My Map.nii.gz" cannot be a file name'],
    ['the lesion mask', 'lesion_mask', "the model's map 'lesion_mask' would overwrite the lesion output"],
    ['the lesion probability', 'lesion_probability', "the model's map 'lesion_probability' would overwrite"],
  ])('refuses a map named as %s, writing nothing', async (_, name, message) => {
    const dir = join(root, `bad-${name.replace(/\W/g, '_')}`);
    await expect(writePrediction(dir, prediction({ [name]: map(0.5) }), meta)).rejects.toThrow(message);
    expect(await readdir(dir).catch(() => 'absent')).toBe('absent');
    expect((await readdir(root)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});
