/**
 * Reading a training configuration: preset, then the file, then command-line overrides
 * (`training.epochs=3`), merged and validated; relative paths resolved against the file's folder.
 * @module
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { readRegularTextFile } from '@deepsc/io';
import { isModulePath } from '../model-registry.js';
import { ConfigError, describeIssue } from './config-error.js';
import { TRAIN_PRESETS, type TrainPresetName } from './presets.js';
import { DEFAULT_MODEL_NAME, MAX_SCANS_PER_EPOCH, type TrainConfig, trainConfigSchema } from './schema.js';
import { resolveTrainingModel } from './training-model.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys that would reach an object's prototype instead of a field. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** Dotted paths of forbidden keys anywhere in a parsed JSON value. */
function forbiddenKeys(v: unknown, path: string): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => forbiddenKeys(x, `${path}[${i}]`));
  if (!isObject(v)) return [];
  return Object.keys(v).flatMap((k) => {
    const p = path ? `${path}.${k}` : k;
    return FORBIDDEN_KEYS.has(k) ? [p] : forbiddenKeys(v[k], p);
  });
}

/** Deep merge of plain objects: `over` wins; arrays and scalars are replaced, not merged. */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (FORBIDDEN_KEYS.has(k)) continue; // refused by resolveTrainConfig before merging
    out[k] = mergeConfig(base[k], v);
  }
  return out;
}

/**
 * Parses one override `path.to.field=value`. The value is read as JSON when it parses
 * (`3`, `true`, `[16,64,64]`, `"x"`), else taken as a string (`cosine`).
 * @throws ConfigError for a missing `=` or an empty path.
 */
export function parseOverride(text: string): Record<string, unknown> {
  const eq = text.indexOf('=');
  const path = eq > 0 ? text.slice(0, eq).trim() : '';
  if (eq <= 0 || path === '' || path.split('.').some((p) => p === ''))
    throw new ConfigError('overrides', [
      `'${text}': write an override as field.path=value, e.g. training.epochs=3`,
    ]);
  const bad = path.split('.').find((k) => FORBIDDEN_KEYS.has(k));
  if (bad !== undefined)
    throw new ConfigError('overrides', [`'${text}': '${bad}' is not a configuration field`]);
  const raw = text.slice(eq + 1).trim();
  let value: Json;
  try {
    value = JSON.parse(raw) as Json;
  } catch {
    value = raw;
  }
  // a JSON value may hold them too (`data={"__proto__":{...}}`): refused, not silently dropped
  const inValue = forbiddenKeys(value, path)[0];
  if (inValue !== undefined)
    throw new ConfigError('overrides', [`'${text}': '${inValue}' is not a configuration field`]);
  const keys = path.split('.');
  let obj: Record<string, unknown> = {};
  const root = obj;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) obj[k] = value;
    else obj = obj[k] = {} as Record<string, unknown>;
  });
  return root;
}

/** Options of {@link resolveTrainConfig}. */
export interface ResolveOptions {
  /** Where the config came from, for messages; default `config`. */
  source?: string;
  /** Folder relative paths (`out`, `data.manifest`, `data.cacheDir`) are resolved against; default the working directory. */
  baseDir?: string;
  /** Overrides `field.path=value`, applied last. */
  overrides?: readonly string[];
  /** Preset applied first when the config names none. */
  defaultPreset?: TrainPresetName;
}

/**
 * Validates a configuration object (as parsed from JSON) and fills in the defaults of the
 * generic sections (data, optimizer, schedule, training). The model's own sections (`model`
 * but its `name`, and `loss`) are checked by the model's spec: {@link resolveTrainingModel}
 * (which {@link loadTrainConfig} and `train` call).
 * @throws ConfigError listing every bad field with the allowed values.
 */
export function resolveTrainConfig(input: unknown, options: ResolveOptions = {}): TrainConfig {
  const source = options.source ?? 'config';
  if (!isObject(input))
    throw new ConfigError(source, [
      `expected a JSON object, got ${Array.isArray(input) ? 'an array' : JSON.stringify(input)}`,
    ]);
  const forbidden = forbiddenKeys(input, '');
  if (forbidden.length)
    throw new ConfigError(
      source,
      forbidden.map((f) => `${f}: not a configuration field; remove it`),
    );
  let merged: unknown = input;
  for (const o of options.overrides ?? []) merged = mergeConfig(merged, parseOverride(o));
  const presetName = (merged as { preset?: unknown }).preset ?? options.defaultPreset;
  if (presetName !== undefined) {
    const preset = TRAIN_PRESETS[presetName as TrainPresetName];
    if (!preset)
      throw new ConfigError(source, [
        `preset: got ${JSON.stringify(presetName)}; allowed: ${Object.keys(TRAIN_PRESETS)
          .map((k) => `"${k}"`)
          .join(', ')}`,
      ]);
    // the preset's model and loss sections are its model's: another model takes the rest
    const name = (merged as { model?: { name?: unknown } }).model?.name ?? DEFAULT_MODEL_NAME;
    const presetModel = (preset.model as { name?: string } | undefined)?.name ?? DEFAULT_MODEL_NAME;
    const { model: _m, loss: _l, ...generic } = preset;
    merged = mergeConfig(name === presetModel ? preset : generic, merged);
  }
  const r = trainConfigSchema.safeParse(merged);
  if (!r.success)
    throw new ConfigError(
      source,
      r.error.issues.map((i) => describeIssue(i, merged)),
    );
  const c = r.data;
  const problems: string[] = [];
  const { train, val, test } = c.data.split;
  if (Math.abs(train + val + test - 1) > 1e-9)
    problems.push(`data.split: train + val + test = ${train + val + test}; must sum to 1`);
  if (!(train > 0)) problems.push('data.split.train: got 0; must be > 0 (nothing to train on)');
  const { stepsPerEpoch, accumulate } = c.training;
  if (stepsPerEpoch !== undefined && stepsPerEpoch * accumulate > MAX_SCANS_PER_EPOCH)
    problems.push(
      `training.stepsPerEpoch: ${stepsPerEpoch} steps of accumulate ${accumulate} are ${stepsPerEpoch * accumulate} scans per epoch; at most ${MAX_SCANS_PER_EPOCH}`,
    );
  if (c.training.bestMetric !== 'loss' && c.training.validateEvery === 0 && c.training.earlyStopPatience > 0)
    problems.push('training.earlyStopPatience: needs validation; set training.validateEvery >= 1');
  if (problems.length) throw new ConfigError(source, problems);
  const base = options.baseDir ?? process.cwd();
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...c,
    // a model given as a module path is found from the config file's folder
    model: { ...c.model, name: isModulePath(c.model.name) ? abs(c.model.name) : c.model.name },
    out: abs(c.out),
    plugins: c.plugins.map(abs),
    data: {
      ...c.data,
      manifest: abs(c.data.manifest),
      ...(c.data.cacheDir ? { cacheDir: abs(c.data.cacheDir) } : {}),
    },
  };
}

/** Largest config file read (a config is a few KiB). */
export const MAX_CONFIG_BYTES = 1 << 20;

/**
 * Reads and validates a JSON config file (a regular file of at most {@link MAX_CONFIG_BYTES}),
 * the model's sections included (its spec loaded through the registry).
 * @throws ConfigError for unreadable JSON or invalid fields (naming the file), an unknown model
 *   or one that cannot take its sections; Error when the file cannot be read.
 */
export async function loadTrainConfig(
  path: string,
  options: Omit<ResolveOptions, 'source' | 'baseDir'> = {},
): Promise<TrainConfig> {
  let text: string;
  try {
    // only a regular file of bounded size: a pipe would hang, /dev/zero fill the memory
    text = await readRegularTextFile(path, MAX_CONFIG_BYTES, 'text');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [`cannot read the file: ${code ?? (err as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [`not valid JSON: ${(err as Error).message}`]);
  }
  const config = resolveTrainConfig(json, { ...options, source: path, baseDir: dirname(resolve(path)) });
  // the model's sections (the preset's count too) are checked here, so their errors name the file
  await resolveTrainingModel(config, path);
  return config;
}
