/**
 * Starting a worker thread from a module of this package, whether the package runs from its
 * compiled `dist/` (plain JavaScript) or from its TypeScript sources (tests, `tsx` scripts).
 * @module
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker running `moduleUrl`. A `.ts` module is loaded through tsx's ESM hooks (a
 * development dependency of this repository), so the sources need no build step.
 *
 * @param moduleUrl - the worker module, usually `new URL('./x-worker.js', import.meta.url)`
 *   with the extension of the calling module.
 * @param options - passed to `Worker` (`workerData`, `resourceLimits`...).
 * @throws Error when a `.ts` worker is asked for and tsx cannot be found.
 */
export function spawnWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  let tsx: string;
  try {
    // the ESM build of the API: the CommonJS one cannot be imported from an eval worker
    tsx = pathToFileURL(
      createRequire(import.meta.url)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
  } catch {
    throw new Error(
      `cannot start the TypeScript worker ${moduleUrl.pathname}: tsx is not installed (run npm install, or use the built dist/)`,
    );
  }
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

/** The extension (`.ts` or `.js`) of the module whose `import.meta.url` is given. */
export function moduleExtension(metaUrl: string): '.ts' | '.js' {
  return new URL(metaUrl).pathname.endsWith('.ts') ? '.ts' : '.js';
}
