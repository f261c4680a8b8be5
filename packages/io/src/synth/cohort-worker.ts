/**
 * Worker thread of {@link generateCohort}: generates scans and writes their NIfTI files.
 * @module
 */
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { describeScanFailure, type ScanFailure } from '../dataset/scan-failure.js';
import type { ScanLabel } from '../labels.js';
import { writeNifti } from '../nifti/write.js';
import { generateScan, type SynthScanOptions, type SynthScanParams } from './generate-scan.js';

/** One scan to make. */
export interface CohortTask {
  readonly index: number;
  readonly id: string;
  readonly label: ScanLabel;
  readonly seed: string;
  readonly options: SynthScanOptions;
  /** Output folder and the file paths relative to it. */
  readonly out: string;
  readonly files: { readonly image: string; readonly lesion: string; readonly lung: string };
}

/** A worker's answer. */
export type CohortReply =
  | { readonly index: number; readonly ok: true; readonly params: SynthScanParams }
  | { readonly index: number; readonly ok: false; readonly error: ScanFailure };

/** Generates and writes one scan (also used in-process when no worker is wanted). */
export async function runCohortTask(task: CohortTask): Promise<SynthScanParams> {
  const scan = generateScan(task.label, task.seed, task.options);
  const descrip = { descrip: `deepsc synth ${task.id} ${task.label}` };
  // level 1: CT noise barely compresses, and level 6 costs twice the time for 2% smaller files
  await writeNifti(join(task.out, task.files.image), scan.image, { header: descrip, gzipLevel: 1 });
  await writeNifti(join(task.out, task.files.lesion), scan.lesion, { header: descrip });
  await writeNifti(join(task.out, task.files.lung), scan.lung, { header: descrip });
  return scan.params;
}

parentPort?.on('message', (task: CohortTask) => {
  runCohortTask(task).then(
    (params) => parentPort?.postMessage({ index: task.index, ok: true, params } satisfies CohortReply),
    (err: unknown) =>
      parentPort?.postMessage({
        index: task.index,
        ok: false,
        error: describeScanFailure(task.id, err),
      } satisfies CohortReply),
  );
});
