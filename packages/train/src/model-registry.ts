/**
 * The model registry: from a model name (`model.name` of a training configuration, `--model`,
 * the model a checkpoint records) to the {@link AnyModelSpec} its package exports as `model`.
 * Network packages are loaded by a dynamic import of the name they are given, never imported
 * statically: the generic stack (core, train, eval, cli) knows no network
 * (scripts/check-imports.mjs checks it).
 *
 * A name is one of {@link KNOWN_MODELS} (`deepsc-covid`, `unet3d`), a package name
 * (`@me/my-net`), or a path to a module (`./my-net.js`, `/abs/my-net.mjs`), relative to the
 * working directory or the configuration's folder.
 * @module
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type AnyModelSpec, checkModelSpec } from '@deepsc/core';
import { ConfigError } from './config/config-error.js';

/** The models this toolkit ships: registry name -> package. */
export const KNOWN_MODELS: Readonly<Record<string, string>> = {
  'deepsc-covid': '@deepsc/deepsc-covid',
  unet3d: '@deepsc/unet3d',
};

/** Options of {@link resolveModel}. */
export interface ResolveModelOptions {
  /** Where the name came from, for messages (a config file, `--model`, a checkpoint); default `config`. */
  source?: string;
  /** The field that named it, for messages; default `model.name`. */
  field?: string;
  /** Folder a relative module path is resolved against; default the working directory. */
  baseDir?: string;
  /** The registry names and packages; default {@link KNOWN_MODELS} (tests give their own). */
  known?: Readonly<Record<string, string>>;
}

/** Whether `name` is a path to a module rather than a registry or package name. */
export function isModulePath(name: string): boolean {
  return (
    name.startsWith('./') || name.startsWith('../') || isAbsolute(name) || /\.(?:[cm]?js|[cm]?ts)$/.test(name)
  );
}

const cache = new Map<string, Promise<unknown>>();

/** What the registry offers, for messages. */
function knownList(registry: Readonly<Record<string, string>>): string {
  return Object.entries(registry)
    .map(([name, pkg]) => `"${name}" (${pkg})`)
    .join(', ');
}

/**
 * The model spec of `name`.
 * @throws ConfigError (exit 2) naming the field and the name: an unknown name (listing the
 *   known ones), a known model whose package is not installed (saying what to install), a
 *   module that fails to load (its error), or one whose `model` export is not a model spec
 *   (what it lacks).
 */
export function resolveModel(name: string, options: ResolveModelOptions = {}): Promise<AnyModelSpec> {
  const source = options.source ?? 'config';
  const field = options.field ?? 'model.name';
  const registry = options.known ?? KNOWN_MODELS;
  const problem = (text: string) => new ConfigError(source, [`${field}: ${text}`]);
  if (typeof name !== 'string' || name.trim() === '')
    return Promise.reject(
      problem(`expected a model name, got ${JSON.stringify(name)}; known: ${knownList(registry)}`),
    );
  const known = Object.hasOwn(registry, name) ? registry[name] : undefined;
  const path = known === undefined && isModulePath(name);
  const specifier =
    known ?? (path ? pathToFileURL(resolve(options.baseDir ?? process.cwd(), name)).href : name);
  if (path && !existsSync(fileURLToPath(specifier)))
    return Promise.reject(problem(`no module at ${fileURLToPath(specifier)}`));
  let pending = cache.get(specifier);
  if (!pending) {
    pending = import(specifier) as Promise<unknown>;
    cache.set(specifier, pending);
    pending.catch(() => cache.delete(specifier)); // a failed load is tried again next time (after an install)
  }
  return pending.then(
    (module) => {
      let spec: AnyModelSpec;
      try {
        spec = checkModelSpec((module as { model?: unknown }).model, known ?? name);
      } catch (err) {
        throw problem(
          `${(err as Error).message} (a model module exports a ModelSpec as 'model'; docs/extending.md)`,
        );
      }
      if (known !== undefined && spec.name !== name)
        throw problem(`the package ${known} exports the model "${spec.name}", not "${name}"`);
      return spec;
    },
    (err: NodeJS.ErrnoException) => {
      // the module itself is missing, not one of its own imports
      const missing =
        (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') &&
        (err.message.includes(`'${specifier}'`) || err.message.includes(`"${specifier}"`));
      if (missing && known !== undefined)
        throw problem(`"${name}" is the package ${known}, which is not installed here (npm i ${known})`);
      if (missing)
        throw problem(
          `unknown model ${JSON.stringify(name)}; known: ${knownList(registry)}, or the package name or path of a module exporting a ModelSpec as 'model'`,
        );
      throw problem(`loading ${known ?? name} failed: ${err.message}`);
    },
  );
}

/** A known model as `deepsc models` lists it. */
export interface ModelListing {
  readonly name: string;
  readonly package: string;
  /** The spec, or why it could not be loaded (not installed, broken). */
  readonly spec?: AnyModelSpec;
  readonly error?: string;
}

/** Every model of {@link KNOWN_MODELS}, loaded (or why not), in registry order. */
export async function listModels(): Promise<ModelListing[]> {
  return Promise.all(
    Object.entries(KNOWN_MODELS).map(async ([name, pkg]) => {
      try {
        return { name, package: pkg, spec: await resolveModel(name) };
      } catch (err) {
        return { name, package: pkg, error: (err as ConfigError).problems?.[0] ?? (err as Error).message };
      }
    }),
  );
}
