import { listModels, type ModelListing } from '@deepsc/train';
import type { Command } from 'commander';
import { printJson } from '../output.js';

/** One model as `deepsc models --json` prints it. */
export interface ModelEntry {
  name: string;
  package: string;
  installed: boolean;
  version: string | null;
  description: string | null;
  presets: string[];
  /** Why it could not be loaded (not installed, broken). */
  error?: string;
}

/** The entries of `deepsc models` (pure: the command prints them). */
export function modelEntries(listings: readonly ModelListing[]): ModelEntry[] {
  return listings.map((l) => ({
    name: l.name,
    package: l.package,
    installed: l.spec !== undefined,
    version: l.spec?.version ?? null,
    description: l.spec?.description ?? null,
    presets: [...(l.spec?.presets ?? [])],
    ...(l.error !== undefined ? { error: l.error } : {}),
  }));
}

/** The text form: one block per model. */
export function modelsText(entries: readonly ModelEntry[]): string {
  return entries
    .map((e) =>
      e.installed
        ? `${e.name} (${e.package} ${e.version})\n  ${e.description}\n  presets: ${e.presets.join(', ') || '(none)'}`
        : `${e.name} (${e.package}): not available: ${e.error}`,
    )
    .join('\n');
}

/**
 * `deepsc models`: the models the registry knows (what `deepsc train --model` and a config's
 * `model.name` take), with their versions, descriptions and presets.
 */
export function registerModels(program: Command): void {
  program
    .command('models')
    .description('list the models deepsc train --model takes, with their descriptions and presets')
    .option('--json', 'print the list as JSON on stdout')
    .addHelpText(
      'after',
      '\nA config or --model may also name another package, or a module path, whose `model` export is a ModelSpec (docs/extending.md).\nExit codes: 0 listed (a model that is not installed is listed as such).',
    )
    .action(async (opts: { json?: boolean }) => {
      const entries = modelEntries(await listModels());
      if (opts.json) printJson(entries);
      else console.log(modelsText(entries));
    });
}
