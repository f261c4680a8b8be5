/**
 * Writing a synthetic cohort: scans generated in parallel on worker threads, each from its own
 * seed (so the bytes do not depend on scheduling or the number of workers), written as NIfTI
 * (int16 HU image, uint8 lesion mask, uint8 lung mask) with a JSON and a CSV manifest.
 * @module
 */

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describeScanFailure, scanFailureError } from '../dataset/scan-failure.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { makeDirectory } from '../fs/make-directory.js';
import { SCAN_LABELS, type ScanLabel } from '../labels.js';
import { Rng, type Seed } from '../random.js';
import { checkWorkerCount, MAX_WORKER_THREADS } from '../threads/limits.js';
import { moduleExtension, spawnWorker } from '../threads/spawn-worker.js';
import { type CohortReply, type CohortTask, runCohortTask } from './cohort-worker.js';
import { checkSynthScanOptions, type SynthScanOptions, type SynthScanParams } from './generate-scan.js';

/** Class proportions of the paper's database (794 COVID-19, 540 CAP, 471 non-pneumonia). */
export const PAPER_CLASS_FRACTIONS: Readonly<Record<ScanLabel, number>> = {
  covid: 794 / 1805,
  cap: 540 / 1805,
  normal: 471 / 1805,
};

/**
 * The largest cohort {@link generateCohort} writes: 100,000 scans (55 times the paper's 1805;
 * about 150 GB at the default size). Its bookkeeping grows with `n` before any scan is made,
 * so a larger `n` is refused up front rather than exhausting memory.
 */
export const MAX_COHORT_SCANS = 100_000;

/** Options of {@link generateCohort}. */
export interface CohortOptions extends SynthScanOptions {
  /** Output folder (created if missing). */
  readonly out: string;
  /** Number of scans, 1..{@link MAX_COHORT_SCANS}. */
  readonly n: number;
  /** Cohort seed; default 0. */
  readonly seed?: Seed;
  /** Class proportions; default {@link PAPER_CLASS_FRACTIONS}. Counts are rounded by largest remainder. */
  readonly classFractions?: Readonly<Record<ScanLabel, number>>;
  /** Worker threads, at most `MAX_WORKER_THREADS` (64); default the available parallelism (at most `n`). 0 generates in this thread. */
  readonly workers?: number;
  /** Called after each scan is written. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One manifest row as the cohort writes it (the dataset manifest format plus the generator's parameters). */
export interface CohortEntry {
  readonly id: string;
  readonly image: string;
  readonly lesion: string;
  readonly lung: string;
  readonly label: ScanLabel;
  readonly params: SynthScanParams;
}

/** What {@link generateCohort} wrote. */
export interface CohortResult {
  readonly out: string;
  readonly manifestJson: string;
  readonly manifestCsv: string;
  readonly entries: readonly CohortEntry[];
}

/**
 * Generates and writes a cohort. The same options give byte-identical files. Every option is
 * checked before anything is written. Each file is written atomically and the manifests last,
 * so a cohort that failed part-way has no manifest.
 *
 * @throws RangeError for bad options (names the option and its allowed range); the error a scan
 * failed with, naming the scan: a system error (ENOSPC, EROFS...) keeps its `code` and names the
 * file; others as {@link scanFailureError} rebuilds them.
 */
export async function generateCohort(options: CohortOptions): Promise<CohortResult> {
  const { out, n } = options;
  if (!Number.isInteger(n) || n < 1 || n > MAX_COHORT_SCANS)
    throw new RangeError(`generateCohort: n must be an integer in 1..${MAX_COHORT_SCANS}, got ${n}`);
  checkSynthScanOptions(options);
  if (options.workers !== undefined) checkWorkerCount(options.workers, 'generateCohort: workers');
  const seed = options.seed ?? 0;
  const labels = assignLabels(
    n,
    options.classFractions ?? PAPER_CLASS_FRACTIONS,
    new Rng(seed).fork('labels'),
  );
  const workers = Math.min(n, options.workers ?? availableParallelism(), MAX_WORKER_THREADS);
  const scanOptions: SynthScanOptions = {
    ...(options.inPlane !== undefined ? { inPlane: options.inPlane } : {}),
    ...(options.slices !== undefined ? { slices: options.slices } : {}),
    ...(options.atypicalProbability !== undefined
      ? { atypicalProbability: options.atypicalProbability }
      : {}),
  };
  for (const d of ['images', 'lesions', 'lungs']) await makeDirectory(join(out, d));
  const width = Math.max(4, String(n - 1).length);
  const tasks: CohortTask[] = labels.map((label, index) => {
    const id = `synth-${String(index).padStart(width, '0')}`;
    return {
      index,
      id,
      label,
      seed: `${String(seed)}/scan-${index}`,
      options: scanOptions,
      out,
      files: { image: `images/${id}.nii.gz`, lesion: `lesions/${id}.nii.gz`, lung: `lungs/${id}.nii.gz` },
    };
  });
  const params =
    workers === 0
      ? await runInProcess(tasks, options.onProgress)
      : await runOnWorkers(tasks, workers, options.onProgress);
  const entries: CohortEntry[] = tasks.map((t) => ({
    id: t.id,
    ...t.files,
    label: t.label,
    params: params[t.index] as SynthScanParams,
  }));
  const manifestJson = join(out, 'manifest.json');
  const manifestCsv = join(out, 'manifest.csv');
  const generator = {
    name: 'deepsc synth',
    seed,
    n,
    ...scanOptions,
    classFractions: options.classFractions ?? PAPER_CLASS_FRACTIONS,
  };
  await writeFileAtomic(
    manifestJson,
    `${JSON.stringify({ version: 1, generator, scans: entries }, null, 1)}\n`,
  );
  const rows = ['id,image,lesion,lung,label,presentation,lesion_count,lesion_volume_ratio'];
  for (const e of entries) {
    rows.push(
      [
        e.id,
        e.image,
        e.lesion,
        e.lung,
        e.label,
        e.params.presentation,
        e.params.lesions.length,
        e.params.measured.lesionVolumeRatio.toFixed(6),
      ].join(','),
    );
  }
  await writeFileAtomic(manifestCsv, `${rows.join('\n')}\n`);
  return { out, manifestJson, manifestCsv, entries };
}

/** Class counts by largest remainder, then a seeded shuffle of the order. */
export function assignLabels(
  n: number,
  fractions: Readonly<Record<ScanLabel, number>>,
  rng: Rng,
): ScanLabel[] {
  const w = SCAN_LABELS.map((l) => fractions[l]);
  if (w.some((x) => !(x >= 0)) || !(w.reduce((a, b) => a + b, 0) > 0)) {
    throw new RangeError(
      `generateCohort: classFractions must be non-negative with a positive sum, got ${JSON.stringify(fractions)}`,
    );
  }
  const total = w.reduce((a, b) => a + b, 0);
  const exact = w.map((x) => (x / total) * n);
  const counts = exact.map(Math.floor);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let q = 0; counts.reduce((a, b) => a + b, 0) < n; q++) {
    const i = (order[q % order.length] as { i: number }).i;
    counts[i] = (counts[i] as number) + 1;
  }
  const labels: ScanLabel[] = [];
  SCAN_LABELS.forEach((l, i) => {
    for (let c = 0; c < (counts[i] as number); c++) labels.push(l);
  });
  return rng.shuffle(labels);
}

async function runInProcess(
  tasks: readonly CohortTask[],
  onProgress?: (d: number, t: number) => void,
): Promise<SynthScanParams[]> {
  const out: SynthScanParams[] = [];
  for (const t of tasks) {
    try {
      out[t.index] = await runCohortTask(t);
    } catch (err) {
      throw scanFailureError(describeScanFailure(t.id, err));
    }
    onProgress?.(out.filter(Boolean).length, tasks.length);
  }
  return out;
}

async function runOnWorkers(
  tasks: readonly CohortTask[],
  count: number,
  onProgress?: (d: number, t: number) => void,
): Promise<SynthScanParams[]> {
  const url = new URL(`./cohort-worker${moduleExtension(import.meta.url)}`, import.meta.url);
  const pool = Array.from({ length: count }, () => spawnWorker(url));
  const results: SynthScanParams[] = [];
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const feed = (w: (typeof pool)[number]) => {
        if (next < tasks.length) w.postMessage(tasks[next++]);
      };
      for (const w of pool) {
        w.on('message', (r: CohortReply) => {
          if (!r.ok) {
            reject(scanFailureError(r.error));
            return;
          }
          results[r.index] = r.params;
          done++;
          onProgress?.(done, tasks.length);
          if (done === tasks.length) resolve();
          else feed(w);
        });
        w.on('error', (e) => reject(new Error(`synth: a worker failed: ${e.message}`)));
        w.on('exit', (code) => {
          if (code !== 0 && done < tasks.length)
            reject(new Error(`synth: a worker exited with code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}
