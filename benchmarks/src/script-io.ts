/**
 * What the side-by-side benchmark scripts share: writing a result JSON into benchmarks/results
 * atomically, and an entry point that runs either the whole comparison or, with
 * `--worker <json>`, one measurement in a fresh process (so its peak RSS is its own).
 * @module
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** benchmarks/results. */
export const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Writes `value` as `benchmarks/results/<name>` (temporary file, then rename) and says where. */
export function writeResult(name: string, value: unknown): void {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, name);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
  console.log(`written ${path}`);
}

/**
 * When the module at `moduleUrl` is the script being run: with `--worker <json>` runs
 * `worker(parsed json)` and prints its result as JSON, else runs `main()`; a failure exits 1.
 */
export function runScript<A>(
  moduleUrl: string,
  main: () => Promise<void>,
  worker: (args: A) => Promise<unknown>,
): void {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  const fail = (e: unknown) => {
    console.error(e);
    process.exit(1);
  };
  const w = process.argv.indexOf('--worker');
  if (w >= 0)
    worker(JSON.parse(process.argv[w + 1] as string) as A).then((m) => console.log(JSON.stringify(m)), fail);
  else main().catch(fail);
}
