/**
 * The op plugin libraries a run names (`plugins` in the training configuration), loaded into
 * the engine before its network is built, so a network using a plugin op trains, resumes and
 * predicts. Loading a library twice is a no-op.
 * @module
 */
import { loadOpLibrary, type OpLibrary } from '@deepsc/core';
import { ConfigError } from './config/config-error.js';

/**
 * Loads each library (absolute paths, as the configuration resolves them).
 * @param source - what names the list in errors (the config file, a checkpoint, `--plugin`).
 * @param field - the list's name in errors (`plugins` in a configuration).
 * @throws ConfigError naming `field[i]` and the engine's reason (a missing file, another plugin
 *   ABI version, a name that clashes) when one does not load; the ones before it stay loaded.
 */
export function loadPlugins(
  paths: readonly string[] | undefined,
  source: string,
  field = 'plugins',
): OpLibrary[] {
  return (paths ?? []).map((path, i) => {
    try {
      return loadOpLibrary(path);
    } catch (err) {
      throw new ConfigError(source, [`${field}[${i}]: ${(err as Error).message}`]);
    }
  });
}
