/**
 * Study records on disk: JSON that keeps NaN and the infinities (plain JSON turns them into
 * null), written atomically so a killed study leaves a whole record or none.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@deepsc/io';

const replacer = (_k: string, v: unknown) =>
  typeof v === 'number' && !Number.isFinite(v)
    ? Number.isNaN(v)
      ? null
      : v > 0
        ? 'Infinity'
        : '-Infinity'
    : v;
const reviver = (_k: string, v: unknown) =>
  v === null
    ? Number.NaN
    : v === 'Infinity'
      ? Number.POSITIVE_INFINITY
      : v === '-Infinity'
        ? Number.NEGATIVE_INFINITY
        : v;

/** Writes `value` as JSON (NaN as null, infinities as "Infinity") atomically. */
export async function writeStudyJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, replacer, 1)}\n`);
}

/** Reads a file of {@link writeStudyJson} (null back to NaN); undefined when it does not exist. */
export async function readStudyJson<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text, reviver) as T;
}
