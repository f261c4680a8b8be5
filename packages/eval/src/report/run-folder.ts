/**
 * Reading a run folder (the layout documented in docs/evaluation.md) into `ReportData`:
 *
 * ```
 * <run>/run.json            {"name", "classes", "createdAt"?, "config"?, "notes"?}   required
 * <run>/metrics.jsonl       training log, one {"epoch", "split"?, <metric>: number} per line
 * <run>/predictions.json    {"scans": [{"id", "label"?, "probabilities"}]}
 * <run>/scans/<id>/ct.nii.gz, truth.nii.gz, prediction.nii.gz, evidence.nii.gz, lung.nii.gz
 * ```
 * @module
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readNifti, readRegularTextFile, type Volume } from '@deepsc/io';
import { classificationMetrics } from '../classification/classification-metrics.js';
import { classDifferences } from '../findings/class-differences.js';
import { cohortFindings, type LabelledFindings } from '../findings/cohort-findings.js';
import { type FindingsOptions, lesionFindings } from '../findings/scan-findings.js';
import { summariseSegmentation } from '../segmentation/aggregate.js';
import { type SegmentationMetrics, segmentationMetrics } from '../segmentation/segmentation-metrics.js';
import type { BootstrapOptions } from '../stats/bootstrap.js';
import type { FindingsSection, ReportData, ScanView, TrainingRecord } from './report-data.js';
import { renderScanSlices } from './slices.js';
import { parseTrainingLog } from './training-log.js';

/** The per-scan volume files of a run folder, without extension (`.nii.gz` or `.nii`). */
export const scanFiles = ['ct', 'truth', 'prediction', 'evidence', 'lung'] as const;
/** One of {@link scanFiles}. */
export type ScanFile = (typeof scanFiles)[number];

/** A run's `run.json`. */
export interface RunInfo {
  readonly name: string;
  readonly classes: readonly string[];
  readonly createdAt?: string;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly notes?: string;
}

/** One entry of `predictions.json`. */
export interface PredictionEntry {
  readonly id: string;
  /** True class as a name or an index into `classes`; absent or null when unknown. */
  readonly label?: string | number | null;
  /** Class probabilities in the order of `classes`. */
  readonly probabilities: readonly number[];
}

/** Options of {@link loadRunFolder}. */
export interface RunFolderOptions {
  /** Bootstrap settings of every interval. Default 1000 resamples, seed 0, level 0.95. */
  readonly bootstrap?: BootstrapOptions;
  /** NSD tolerance in mm. Default 1. */
  readonly nsdToleranceMm?: number;
  /** Options of the lesion findings. */
  readonly findings?: FindingsOptions;
  /** At most this many scans get slice views (the first by id). Default 12. */
  readonly maxScanViews?: number;
  /** Report title. Default `DeepSC report: <run name>`. */
  readonly title?: string;
}

/** A run folder that cannot be read: the message names the file and what is wrong. */
export class RunFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFolderError';
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Largest run-folder file read (run.json, predictions.json, metrics.jsonl): far above a real
 * run's, below what a JavaScript string holds. Only regular files are read (a pipe would hang).
 */
export const MAX_RUN_FILE_BYTES = 256 << 20;

/** A run folder's text file. @throws FormatError (not a regular file), RangeError (too large), the fs error. */
export const readRunFile = (path: string): Promise<string> =>
  readRegularTextFile(path, MAX_RUN_FILE_BYTES, 'text');

async function readJson(path: string): Promise<unknown> {
  const text = await readRunFile(path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RunFolderError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Reads and checks `run.json`.
 * @throws RunFolderError when it is missing or malformed.
 */
export async function readRunInfo(folder: string): Promise<RunInfo> {
  const path = join(folder, 'run.json');
  if (!(await exists(path))) {
    throw new RunFolderError(
      `${path} not found: a run folder needs run.json with "name" and "classes" (see docs/evaluation.md)`,
    );
  }
  const j = (await readJson(path)) as Partial<RunInfo> | null;
  if (typeof j !== 'object' || j === null) throw new RunFolderError(`${path}: expected a JSON object`);
  if (typeof j.name !== 'string' || j.name === '')
    throw new RunFolderError(`${path}: "name" must be a non-empty string`);
  // none: a model without a classifier (a segmentation network such as the U-Net)
  if (!Array.isArray(j.classes) || j.classes.length === 1 || !j.classes.every((c) => typeof c === 'string')) {
    throw new RunFolderError(
      `${path}: "classes" must list at least 2 class names, or none for a model without a classifier, got ${JSON.stringify(j.classes)}`,
    );
  }
  return j as RunInfo;
}

/**
 * Reads and checks `predictions.json` against the classes.
 * @throws RunFolderError naming the bad entry.
 */
export async function readPredictions(path: string, classes: readonly string[]): Promise<PredictionEntry[]> {
  const j = (await readJson(path)) as { scans?: unknown } | null;
  if (typeof j !== 'object' || j === null || !Array.isArray(j.scans)) {
    throw new RunFolderError(`${path}: expected {"scans": [{"id", "label", "probabilities"}, ...]}`);
  }
  return j.scans.map((raw, n) => {
    const e = raw as Partial<PredictionEntry>;
    if (typeof e?.id !== 'string' || e.id === '' || /[/\\]/.test(e.id)) {
      throw new RunFolderError(
        `${path}: scans[${n}].id must be a non-empty string without slashes, got ${JSON.stringify(e?.id)}`,
      );
    }
    if (
      !Array.isArray(e.probabilities) ||
      e.probabilities.length !== classes.length ||
      !e.probabilities.every(Number.isFinite)
    ) {
      throw new RunFolderError(
        `${path}: scans[${n}] (${e.id}) needs ${classes.length} finite probabilities, got ${JSON.stringify(e.probabilities)}`,
      );
    }
    if (e.label !== undefined && e.label !== null && labelIndex(e.label, classes) < 0) {
      throw new RunFolderError(
        `${path}: scans[${n}] (${e.id}) has label ${JSON.stringify(e.label)}, expected one of ${JSON.stringify(classes)} or an index`,
      );
    }
    return { id: e.id, label: e.label ?? null, probabilities: e.probabilities };
  });
}

/** The class index of a label given as a name or an index; -1 when it is neither. */
export function labelIndex(label: string | number, classes: readonly string[]): number {
  if (typeof label === 'number')
    return Number.isInteger(label) && label >= 0 && label < classes.length ? label : -1;
  return classes.indexOf(label);
}

/** Finds `<name>.nii.gz` or `<name>.nii` in a folder. */
async function findVolume(dir: string, name: ScanFile): Promise<string | undefined> {
  for (const ext of ['.nii.gz', '.nii']) {
    const p = join(dir, name + ext);
    if (await exists(p)) return p;
  }
  return undefined;
}

/**
 * Reads a run folder, computes every metric, finding and slice view, and returns the report's
 * data. Scans are read one at a time, so memory stays at about one scan's volumes.
 * Missing optional files leave their sections out; scans lacking what a part needs are listed
 * in `warnings`.
 * @throws RunFolderError for a missing or malformed run.json / predictions.json / metrics.jsonl;
 *   FormatError / RangeError from `@deepsc/io` for unreadable NIfTI files; RangeError for
 *   volumes of one scan on different grids.
 */
export async function loadRunFolder(folder: string, options: RunFolderOptions = {}): Promise<ReportData> {
  const run = await readRunInfo(folder);
  const classes = run.classes;
  const warnings: string[] = [];
  let training: TrainingRecord[] = [];
  const logPath = join(folder, 'metrics.jsonl');
  if (await exists(logPath)) {
    try {
      training = parseTrainingLog(await readRunFile(logPath), logPath);
    } catch (e) {
      throw new RunFolderError((e as Error).message);
    }
  }
  const predPath = join(folder, 'predictions.json');
  const predictions = (await exists(predPath)) ? await readPredictions(predPath, classes) : [];
  const byId = new Map(predictions.map((p) => [p.id, p]));

  const labelled = predictions.filter((p) => p.label !== null && p.label !== undefined);
  const classification =
    labelled.length > 0
      ? classificationMetrics(
          {
            classes,
            labels: labelled.map((p) => labelIndex(p.label as string | number, classes)),
            probabilities: labelled.map((p) => p.probabilities),
          },
          options.bootstrap,
        )
      : undefined;
  if (predictions.length > labelled.length)
    warnings.push(
      `${predictions.length - labelled.length} predictions have no label and are left out of the classification metrics`,
    );

  const scansDir = join(folder, 'scans');
  const ids = new Set(predictions.map((p) => p.id));
  if (await exists(scansDir)) {
    for (const e of await readdir(scansDir, { withFileTypes: true })) if (e.isDirectory()) ids.add(e.name);
  }
  const sortedIds = [...ids].sort();
  const perScan: { id: string; metrics: SegmentationMetrics }[] = [];
  const findings: Record<'truth' | 'prediction', LabelledFindings[]> = { truth: [], prediction: [] };
  const views: ScanView[] = [];
  const maxViews = options.maxScanViews ?? 12;
  for (const id of sortedIds) {
    const dir = join(scansDir, id);
    const paths: Partial<Record<ScanFile, string>> = {};
    for (const f of scanFiles) {
      const p = await findVolume(dir, f);
      if (p) paths[f] = p;
    }
    if (Object.keys(paths).length === 0) continue;
    const vol: Partial<Record<ScanFile, Volume>> = {};
    for (const [f, p] of Object.entries(paths)) vol[f as ScanFile] = await readNifti(p);
    const pred = byId.get(id);
    const trueClass =
      pred?.label !== null && pred?.label !== undefined
        ? classes[labelIndex(pred.label, classes)]
        : undefined;
    let metrics: SegmentationMetrics | undefined;
    if (vol.truth && vol.prediction) {
      metrics = segmentationMetrics(vol.prediction, vol.truth, { nsdToleranceMm: options.nsdToleranceMm });
      perScan.push({ id, metrics });
    }
    for (const source of ['truth', 'prediction'] as const) {
      const mask = vol[source];
      if (!mask) continue;
      if (!vol.ct || !vol.lung) {
        warnings.push(
          `scan ${id}: no ${vol.ct ? 'lung' : 'ct'} volume, so no findings from its ${source} mask`,
        );
        continue;
      }
      findings[source].push({
        className: trueClass ?? 'unlabelled',
        findings: lesionFindings(
          { lesion: mask, ct: vol.ct, lung: vol.lung, affine: vol.ct.affine },
          options.findings,
        ),
      });
    }
    if (vol.ct && views.length < maxViews) {
      const predictedClass = pred ? classes[argmax(pred.probabilities)] : undefined;
      views.push({
        id,
        trueClass,
        predictedClass,
        probabilities: pred?.probabilities,
        metrics,
        images: renderScanSlices({
          ct: vol.ct,
          truth: vol.truth,
          prediction: vol.prediction,
          evidence: vol.evidence,
        }),
      });
    }
  }
  const findingSections: FindingsSection[] = (['truth', 'prediction'] as const)
    .filter((s) => findings[s].length > 0)
    .map((source) => {
      const names = findings[source].some((f) => f.className === 'unlabelled')
        ? [...classes, 'unlabelled']
        : classes;
      const classFindings = cohortFindings(findings[source], names);
      return {
        source,
        classes: classFindings,
        scans: findings[source].length,
        differences: classDifferences(classFindings),
      };
    });
  return {
    title: options.title ?? `DeepSC report: ${run.name}`,
    createdAt: new Date().toISOString(),
    run: { name: run.name, folder, classes, config: run.config, notes: run.notes },
    training,
    classification,
    segmentation:
      perScan.length > 0
        ? {
            summary: summariseSegmentation(
              perScan.map((p) => p.metrics),
              options.bootstrap,
            ),
            perScan,
          }
        : undefined,
    findings: findingSections,
    scans: views,
    warnings,
  };
}

function argmax(p: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < p.length; k++) if ((p[k] as number) > (p[best] as number)) best = k;
  return best;
}
