/**
 * The training log `metrics.jsonl` of a run folder (the layout `@deepsc/eval` reports read):
 * one JSON object per line with `epoch` (fractional within an epoch), `split` (`train`, `val`)
 * and numeric metrics, plus `step` (optimizer steps so far) so a resumed run can drop the
 * records an interrupted one wrote after its last checkpoint.
 * @module
 */
import { appendFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NotRegularFileError, readRegularTextFile, writeFileAtomic } from '@deepsc/io';
import { RunFolderConflictError } from './run-folder.js';
import { RunWriteError } from './run-write-error.js';

/** One record. */
export interface MetricRecord {
  epoch: number;
  split: 'train' | 'val' | 'test';
  step: number;
  [metric: string]: number | string;
}

/** Appends records to `metrics.jsonl`. Non-finite numbers are written as null (JSON has no NaN). */
/** Largest metrics.jsonl read on resume (a long run writes a few MiB). */
export const MAX_METRICS_BYTES = 256 << 20;

export class MetricsLog {
  /** @param path - the `metrics.jsonl` file. */
  constructor(readonly path: string) {}

  /** Appends one record as a line. @throws RunWriteError naming the file when the system refuses the write. */
  async write(record: MetricRecord): Promise<void> {
    try {
      await appendFile(
        this.path,
        `${JSON.stringify(record, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`,
      );
    } catch (err) {
      throw new RunWriteError(this.path, err);
    }
  }

  /**
   * Keeps only the records of steps `<= step` (what the checkpoint being resumed had seen), so
   * the log of a resumed run reads as one uninterrupted run. A missing file is fine.
   */
  async truncateAfter(step: number): Promise<void> {
    let text: string;
    try {
      text = await readRegularTextFile(this.path, MAX_METRICS_BYTES, 'text');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      // a FIFO or a device in its place (reading or appending would hang), or an absurd size
      if (err instanceof NotRegularFileError || err instanceof RangeError)
        throw new RunFolderConflictError(dirname(this.path), (err as Error).message);
      throw new RunWriteError(this.path, err);
    }
    const keep = text
      .split('\n')
      .filter((line) => {
        if (!line.trim()) return false;
        try {
          const r = JSON.parse(line) as { step?: unknown };
          return typeof r.step !== 'number' || r.step <= step;
        } catch {
          return false; // a line cut by the interrupt
        }
      })
      .map((l) => `${l}\n`)
      .join('');
    if (keep === text) return;
    try {
      await writeFileAtomic(this.path, keep);
    } catch (err) {
      throw new RunWriteError(this.path, err);
    }
  }
}
