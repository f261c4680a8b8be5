/**
 * Writing a prediction folder all at once: the files go into a temporary folder beside the
 * destination, which is renamed into place at the end, so a failure mid-write leaves the
 * previous results untouched and no partial file. A destination that already holds results is
 * replaced only when asked (`overwrite`), and only when it holds nothing but a prediction's
 * files: predicting into a folder of other files never deletes them.
 * @module
 */
import { lstat, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { makeDirectory, readRegularTextFile, type Volume, writeFileAtomic, writeNifti } from '@deepsc/io';
import type { VolumePrediction } from './predict-volume.js';

/**
 * The files a prediction folder holds (those without a counterpart in the model are left out),
 * besides one `<name>.nii.gz` per map of the model (`evidence` for DeepSC-COVID), which its
 * `prediction.json` lists under `files`.
 */
export const PREDICTION_FILES = [
  'prediction.json',
  'lesion_probability.nii.gz',
  'lesion_mask.nii.gz',
  'evidence.nii.gz',
] as const;

/** An output folder that cannot be written as asked (a file, a folder of other files, results without `overwrite`). */
export class PredictionOutputError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'PredictionOutputError';
  }
}

/** Options of {@link writePrediction} and {@link checkPredictionOutput}. */
export interface PredictionOutputOptions {
  /** Replace a folder that already holds a prediction; default false (refused). */
  overwrite?: boolean;
}

const exists = (p: string) =>
  lstat(p).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      if (err.code === 'ENOTDIR')
        throw new PredictionOutputError(p, 'a part of the path is a file, not a folder');
      throw err;
    },
  );

/**
 * The folder `dir` stands for (a symlink to a folder is followed, so the rename replaces the
 * target, not the link), and whether it exists.
 */
async function destination(dir: string): Promise<{ path: string; exists: boolean }> {
  const path = resolve(dir);
  if (!(await exists(path))) return { path, exists: false };
  const st = await stat(path).catch(() => undefined);
  if (!st?.isDirectory())
    throw new PredictionOutputError(dir, 'exists and is not a folder; give a folder for the outputs');
  return { path: await realpath(path), exists: true };
}

/**
 * Checks, before any prediction runs, that the outputs can go to `dir`: it is missing, an
 * empty folder, or (with `overwrite`) a folder holding only a prediction's files.
 * @throws PredictionOutputError naming the path and what is in the way.
 */
export async function checkPredictionOutput(
  dir: string,
  options: PredictionOutputOptions = {},
): Promise<void> {
  const d = await destination(dir);
  if (!d.exists) return;
  const names = await readdir(d.path);
  if (names.length === 0) return;
  const shown = (xs: string[]) =>
    xs.slice(0, 4).join(', ') + (xs.length > 4 ? `, ... (${xs.length} in all)` : '');
  const listed = await listedMapFiles(d.path);
  const foreign = names
    .filter((n) => !(PREDICTION_FILES as readonly string[]).includes(n) && !listed.includes(n))
    .sort();
  if (foreign.length > 0)
    throw new PredictionOutputError(
      dir,
      `holds files that are not a deepsc prediction (${shown(foreign)}); give a new or empty folder for the outputs`,
    );
  if (!options.overwrite)
    throw new PredictionOutputError(
      dir,
      `already holds a prediction (${shown(names.sort())}); pass --overwrite to replace it, or give another folder`,
    );
}

/** The map files (`<name>.nii.gz`) the prediction.json in `dir` lists; none when it is absent or unreadable. */
async function listedMapFiles(dir: string): Promise<string[]> {
  try {
    const j = JSON.parse(await readRegularTextFile(join(dir, 'prediction.json'), 1 << 20, 'text')) as {
      files?: Record<string, unknown>;
    };
    return Object.values(j.files ?? {}).filter((f): f is string => typeof f === 'string' && MAP_FILE.test(f));
  } catch {
    return [];
  }
}

/** A map's file name: `<name>.nii.gz`, the name a plain word. */
const MAP_FILE = /^[a-z][a-z0-9_-]*\.nii\.gz$/;

/** Whether process `pid` is alive (EPERM: it is, but another user's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Clears what a killed writer of `dest` left beside it: its temporary folder is removed; its
 * copy of the previous results (`.old-PID`) is renamed back when the rename into place never
 * happened (nothing, or an empty folder, at `dest`), and removed otherwise.
 */
async function clearLeftovers(dest: string): Promise<void> {
  const parent = dirname(dest);
  const base = basename(dest);
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const m = /^\.(.+)\.(tmp|old)-(\d+)$/.exec(name);
    if (!m || m[1] !== base || alive(Number(m[3]))) continue;
    const p = join(parent, name);
    const empty = async () => !(await exists(dest)) || (await readdir(dest)).length === 0;
    if (m[2] === 'old' && (await empty())) await rename(p, dest);
    else await rm(p, { recursive: true, force: true });
  }
}

const finiteJson = (v: unknown) =>
  JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 1);

/**
 * Writes a prediction into the folder `dir`: `lesion_probability.nii.gz`, `lesion_mask.nii.gz`,
 * `<map>.nii.gz` for each of the model's maps (`evidence.nii.gz`) (each on the input's grid, with its affine) and `prediction.json`
 * (`input`, `model`, `classes`, `probabilities`, `predictedClass`, `threshold`,
 * `nonFiniteVoxels`, `findings`, `files`; non-finite numbers as null). Everything is written
 * into `.<name>.tmp-<pid>` beside `dir` and renamed into place at the end; an existing
 * prediction is replaced (with `overwrite`) only then, so a failure at any point leaves the
 * previous results as they were. Leftovers of a killed earlier write are cleared first.
 * @returns the path of `prediction.json`.
 * @throws PredictionOutputError when `dir` cannot take the outputs (see {@link checkPredictionOutput})
 *   or another process wrote a prediction into it meanwhile;
 *   the fs error (ENOSPC, EROFS, EIO, ...) when a write fails, after removing the temporary folder.
 */
export async function writePrediction(
  dir: string,
  p: VolumePrediction,
  meta: { input: string; model: string },
  options: PredictionOutputOptions = {},
): Promise<string> {
  await clearLeftovers((await destination(dir)).path);
  await checkPredictionOutput(dir, options);
  const dest = await destination(dir);
  const parent = dirname(dest.path);
  await makeDirectory(parent);
  const tmp = join(parent, `.${basename(dest.path)}.tmp-${process.pid}`);
  const old = join(parent, `.${basename(dest.path)}.old-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    const files: Record<string, string> = {};
    const put = async (name: string, v: Volume | undefined) => {
      if (!v) return;
      if (!MAP_FILE.test(name))
        throw new RangeError(`prediction: a map named ${JSON.stringify(name)} cannot be a file name`);
      await writeNifti(join(tmp, name), v);
      files[name.replace(/\.nii\.gz$/, '')] = name;
    };
    await put('lesion_probability.nii.gz', p.lesionProbability);
    await put('lesion_mask.nii.gz', p.lesionMask);
    for (const [name, map] of Object.entries(p.maps)) {
      if (name === 'lesion_probability' || name === 'lesion_mask')
        throw new RangeError(`prediction: the model's map '${name}' would overwrite the lesion output`);
      await put(`${name}.nii.gz`, map);
    }
    await writeFileAtomic(
      join(tmp, 'prediction.json'),
      `${finiteJson({
        input: meta.input,
        model: meta.model,
        classes: p.classes,
        probabilities: p.probabilities,
        predictedClass: p.predictedClass,
        threshold: p.threshold,
        nonFiniteVoxels: p.nonFiniteVoxels,
        findings: p.findings ?? null,
        files,
      })}\n`,
    );
    // an empty folder is replaced by the rename itself; a previous prediction is moved aside first
    const previous = dest.exists && (await readdir(dest.path)).length > 0;
    if (previous) await rename(dest.path, old);
    try {
      await rename(tmp, dest.path);
    } catch (err) {
      if (previous) await rename(old, dest.path);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST')
        throw new PredictionOutputError(
          dir,
          'another prediction was written into it meanwhile; it is kept and this one was not written',
        );
      throw err;
    }
    if (previous) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return join(dir, 'prediction.json');
}
