/**
 * A study: one base training configuration, named arms (lists of `field=value` overrides of
 * it) and seeds; every arm is trained once per seed on the same data and the same held-out
 * split, with the same budget unless an arm's overrides say otherwise.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, describeIssue } from '../config/config-error.js';

/** Most runs (arms x seeds) one study may hold: a typo, not a study, beyond it. */
export const MAX_STUDY_RUNS = 1000;

const armName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'lower-case letters, digits and dashes, at most 48 characters');

const seeds = z
  .array(
    z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
  )
  .min(1);

const cohortSchema = z.strictObject({
  /** Scans of the synthetic cohort (generated once into `<out>/cohort`). */
  scans: z.number().int().min(10).max(5000),
  seed: z.number().int().min(0).default(0),
  inPlane: z.number().int().min(16).max(512).default(64),
  slices: z.tuple([z.number().int().min(8), z.number().int().min(8)]).default([32, 48]),
});

/** The study file's schema. */
export const studySpecSchema = z.strictObject({
  name: z.string().min(1).max(120),
  description: z.string().default(''),
  /**
   * Where the scans come from: `synthetic` generates a cohort into `<out>/cohort`; otherwise the
   * base config's `data.manifest` is used as it is.
   */
  synthetic: cohortSchema.optional(),
  /** The base training configuration (a `deepsc train` config without `out` and `seed`). */
  base: z.record(z.string(), z.unknown()),
  arms: z
    .array(
      z.strictObject({
        name: armName,
        description: z.string().default(''),
        /**
         * The arm's model section (`name`, default deepsc-covid, and the model's own fields), in
         * place of the base configuration's (not merged: another model's fields would not fit).
         * Default the base's.
         */
        model: z.record(z.string(), z.unknown()).optional(),
        set: z.array(z.string()).default([]),
      }),
    )
    .min(1),
  seeds,
  /** Classification accuracy ceiling of the cohort, shown beside the accuracy (optional). */
  ceiling: z.number().min(0).max(1).optional(),
  /** Bootstrap resamples for the intervals and the paired comparisons; default 1000. */
  resamples: z.number().int().min(100).max(100_000).default(1000),
  /** The `--quick` form: a subset of arms and seeds, a smaller cohort and extra overrides. */
  quick: z
    .strictObject({
      arms: z.array(armName).min(1),
      seeds,
      scans: z.number().int().min(10).max(5000).optional(),
      set: z.array(z.string()).default([]),
      resamples: z.number().int().min(100).max(100_000).default(200),
    })
    .optional(),
});

/** A validated study specification. */
export type StudySpec = z.infer<typeof studySpecSchema>;
/** A study specification as written in JSON. */
export type StudySpecInput = z.input<typeof studySpecSchema>;

/**
 * Validates a parsed study file: unique arm names, quick arms that exist, at most
 * {@link MAX_STUDY_RUNS} runs, no `out` or `seed` in the base (the study sets them per run).
 * @throws ConfigError naming each bad field.
 */
export function parseStudySpec(input: unknown, source = 'study'): StudySpec {
  const r = studySpecSchema.safeParse(input);
  if (!r.success)
    throw new ConfigError(
      source,
      r.error.issues.map((i) => describeIssue(i, input)),
    );
  const s = r.data;
  const problems: string[] = [];
  const names = s.arms.map((a) => a.name);
  for (const [i, n] of names.entries())
    if (names.indexOf(n) !== i)
      problems.push(`arms[${i}].name: "${n}" is used twice; arm names must be unique`);
  for (const [i, n] of (s.quick?.arms ?? []).entries())
    if (!names.includes(n))
      problems.push(`quick.arms[${i}]: got "${n}"; allowed: ${names.map((x) => `"${x}"`).join(', ')}`);
  const dup = (v: number[]) => v.some((x, i) => v.indexOf(x) !== i);
  if (dup(s.seeds)) problems.push('seeds: a seed is listed twice');
  if (s.quick && dup(s.quick.seeds)) problems.push('quick.seeds: a seed is listed twice');
  for (const f of ['out', 'seed'] as const)
    if (f in s.base) problems.push(`base.${f}: set by the study for each run; remove it`);
  if (s.arms.length * s.seeds.length > MAX_STUDY_RUNS)
    problems.push(
      `arms x seeds: ${s.arms.length} x ${s.seeds.length} = ${s.arms.length * s.seeds.length} runs; at most ${MAX_STUDY_RUNS}`,
    );
  if (!s.synthetic && typeof (s.base.data as { manifest?: unknown } | undefined)?.manifest !== 'string')
    problems.push('base.data.manifest: required when the study has no "synthetic" cohort');
  if (problems.length) throw new ConfigError(source, problems);
  return s;
}

/**
 * The `--quick` form of a study: its quick arms and seeds, its quick cohort size and its quick
 * overrides appended to every arm's (so they win).
 * @throws ConfigError when the study has no `quick` section.
 */
export function quickStudy(spec: StudySpec, source = 'study'): StudySpec {
  const q = spec.quick;
  if (!q) throw new ConfigError(source, ['quick: --quick needs a "quick" section in the study file']);
  return {
    ...spec,
    name: `${spec.name} (quick)`,
    ...(spec.synthetic ? { synthetic: { ...spec.synthetic, scans: q.scans ?? spec.synthetic.scans } } : {}),
    arms: spec.arms.filter((a) => q.arms.includes(a.name)).map((a) => ({ ...a, set: [...a.set, ...q.set] })),
    seeds: q.seeds,
    resamples: q.resamples,
  };
}

/** A study file read and validated, with the folder its relative paths are resolved against. */
export interface LoadedStudy {
  spec: StudySpec;
  baseDir: string;
  path: string;
}

/**
 * Reads and validates a study file (JSON).
 * @throws ConfigError naming the file for unreadable or invalid content.
 */
export async function loadStudySpec(path: string): Promise<LoadedStudy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [
      `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [`not valid JSON: ${(err as Error).message}`]);
  }
  const abs = isAbsolute(path) ? path : resolve(path);
  return { spec: parseStudySpec(json, path), baseDir: dirname(abs), path: abs };
}

/** Study files shipped with this package (`studies/<name>.json`). */
export const SHIPPED_STUDIES = ['deepsc-covid-ablation'] as const;

/** The path of a shipped study file, e.g. `shippedStudyPath('deepsc-covid-ablation')`. */
export function shippedStudyPath(name: (typeof SHIPPED_STUDIES)[number]): string {
  // src/study/ and dist/study/ both lie two levels below the package root
  return fileURLToPath(new URL(`../../studies/${name}.json`, import.meta.url));
}
