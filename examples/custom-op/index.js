// The plugin as a package: where its library is and how to load it into the engine.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOpLibrary } from '@deepsc/core';

/** The built plugin library (`npm run build` writes it). */
export const libraryPath = join(dirname(fileURLToPath(import.meta.url)), 'build', 'libmy_swish.so');

/** Loads my_swish into the engine (once; later calls return the same library). */
export function loadMySwish() {
  if (!existsSync(libraryPath))
    throw new Error(`${libraryPath} is not built: run \`npm run build\` in ${dirname(libraryPath)}/..`);
  return loadOpLibrary(libraryPath);
}
