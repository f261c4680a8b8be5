/**
 * Command-line option readers shared by the GPU benchmark scripts (train-step.ts, infer.ts):
 * each names the option and what it accepts when a value is wrong.
 * @module
 */

/** A bad command line (each script says its exit status). */
export class UsageError extends Error {}

/** `--name`'s integer value in [lo, hi], or `def` when it is absent. */
export function intOption(name: string, v: string | undefined, def: number, lo: number, hi: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi)
    throw new UsageError(`--${name} is '${v}', expected an integer in [${lo}, ${hi}]`);
  return n;
}

/** `--name`'s number when `ok` takes it (`want` says what it takes), or `def` when it is absent. */
export function numberOption(
  name: string,
  v: string | undefined,
  def: number,
  ok: (n: number) => boolean,
  want: string,
): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (v.trim() === '' || !ok(n)) throw new UsageError(`--${name} is '${v}', expected ${want}`);
  return n;
}

/** `--name`'s seconds in (0, 3600], or `def` when it is absent. */
export const secondsOption = (name: string, v: string | undefined, def: number): number =>
  numberOption(name, v, def, (n) => Number.isFinite(n) && n > 0 && n <= 3600, 'seconds in (0, 3600]');
