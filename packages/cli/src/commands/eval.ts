import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type ClassificationReport,
  classificationMetrics,
  formatNumber,
  labelIndex,
  MAX_BOOTSTRAP_RESAMPLES,
  RunFolderError,
  readPredictions,
  readRunFile,
  type SegmentationMetrics,
  type SegmentationSummary,
  segmentationMetricNames,
  segmentationMetrics,
  summariseSegmentation,
} from '@deepsc/eval';
import { assertSameGrid, FormatError, GridMismatchError, readNifti, type Volume } from '@deepsc/io';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { printJson } from '../output.js';
import { parseResamples } from '../resamples.js';

/** The classes of DeepSC, used when a predictions file names none. */
const defaultClasses = ['COVID-19', 'CAP', 'non-pneumonia'];

interface EvalOptions {
  pred?: string;
  truth?: string;
  predictions?: string;
  classes?: string;
  json?: boolean;
  nsdTolerance: string;
  resamples: string;
  seed: string;
}

/**
 * `deepsc eval --pred <mask | folder> --truth <mask | folder> [--predictions <json>] [--json]`:
 * per-scan and aggregate segmentation metrics (folders matched by file name), and with
 * `--predictions` the classification metrics, each with a bootstrap 95% interval.
 */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'segmentation metrics of predicted against true lesion masks, and classification metrics of predictions',
    )
    .option('--pred <path>', 'predicted mask (.nii / .nii.gz) or a folder of them')
    .option('--truth <path>', 'ground-truth mask or a folder of them, matched to --pred by file name')
    .option(
      '--predictions <json>',
      'classification predictions: {"classes"?, "scans": [{"id", "label", "probabilities"}]}',
    )
    .option(
      '--classes <names>',
      'comma-separated class names when the predictions file has none',
      defaultClasses.join(','),
    )
    .option('--nsd-tolerance <mm>', 'tolerance of the normalised surface Dice in mm', '1')
    .option(
      '--resamples <n>',
      `bootstrap resamples of every interval (1 to ${MAX_BOOTSTRAP_RESAMPLES})`,
      '1000',
    )
    .option('--seed <n>', 'bootstrap seed', '0')
    .option('--json', 'print JSON (undefined and infinite values as null)')
    .action(async (opts: EvalOptions) => {
      const tol = positiveNumber(opts.nsdTolerance, '--nsd-tolerance', true);
      const resamples = parseResamples(opts.resamples);
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got ${opts.seed}`);
      if ((opts.pred === undefined) !== (opts.truth === undefined)) {
        throw new CliError('--pred and --truth go together: give both, or neither with --predictions');
      }
      if (opts.pred === undefined && opts.predictions === undefined) {
        throw new CliError('nothing to evaluate: give --pred and --truth, --predictions, or both');
      }
      const boot = { resamples, seed };
      let segmentation:
        | {
            perScan: { id: string; pred: string; truth: string; metrics: SegmentationMetrics }[];
            summary: SegmentationSummary;
          }
        | undefined;
      if (opts.pred !== undefined && opts.truth !== undefined) {
        const pairs = await matchMasks(opts.pred, opts.truth);
        const perScan = [];
        for (const p of pairs) {
          const [pred, truth] = [await readMask(p.pred), await readMask(p.truth)];
          perScan.push({ ...p, metrics: metricsOf(pred, truth, p.pred, p.truth, tol) });
        }
        segmentation = {
          perScan,
          summary: summariseSegmentation(
            perScan.map((s) => s.metrics),
            boot,
          ),
        };
      }
      let classification: ClassificationReport | undefined;
      if (opts.predictions !== undefined)
        classification = await classify(opts.predictions, opts.classes ?? '', boot);
      if (opts.json) return printJson(nullNonFinite({ segmentation, classification }));
      if (segmentation) printSegmentation(segmentation.perScan, segmentation.summary);
      if (classification) printClassification(classification);
    });
}

function positiveNumber(s: string, flag: string, allowZero = false): number {
  const x = Number(s);
  if (!Number.isFinite(x) || x < 0 || (!allowZero && x === 0)) {
    throw new CliError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${s}`);
  }
  return x;
}

const niftiName = /\.nii(\.gz)?$/i;

/** Pairs prediction and truth files: one pair for two files, pairs by file name for two folders. */
async function matchMasks(
  pred: string,
  truth: string,
): Promise<{ id: string; pred: string; truth: string }[]> {
  const [ps, ts] = [await statOrFail(pred), await statOrFail(truth)];
  if (ps.isDirectory() !== ts.isDirectory()) {
    throw new CliError(`--pred ${pred} and --truth ${truth} must both be files or both be folders`);
  }
  if (!ps.isDirectory()) return [{ id: basename(pred).replace(niftiName, ''), pred, truth }];
  const list = async (dir: string) => (await readdir(dir)).filter((f) => niftiName.test(f)).sort();
  const [pf, tf] = [await list(pred), await list(truth)];
  const onlyP = pf.filter((f) => !tf.includes(f));
  const onlyT = tf.filter((f) => !pf.includes(f));
  if (onlyP.length > 0 || onlyT.length > 0) {
    const show = (xs: string[]) =>
      xs.slice(0, 5).join(', ') + (xs.length > 5 ? `, ... (${xs.length} in all)` : '');
    const parts = [
      onlyP.length ? `only in ${pred}: ${show(onlyP)}` : '',
      onlyT.length ? `only in ${truth}: ${show(onlyT)}` : '',
    ];
    throw new CliError(
      `prediction and truth folders must hold the same file names; ${parts.filter(Boolean).join('; ')}`,
      ExitCode.data,
    );
  }
  if (pf.length === 0) throw new CliError(`no .nii or .nii.gz files in ${pred}`, ExitCode.data);
  return pf.map((f) => ({ id: f.replace(niftiName, ''), pred: join(pred, f), truth: join(truth, f) }));
}

async function statOrFail(path: string) {
  try {
    return await stat(path);
  } catch {
    throw new CliError(`${path}: no such file or folder`, ExitCode.data);
  }
}

async function readMask(path: string): Promise<Volume> {
  try {
    return await readNifti(path);
  } catch (e) {
    if (e instanceof FormatError || e instanceof RangeError) throw new CliError(e.message, ExitCode.data);
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new CliError(`${path}: cannot read (${code})`, ExitCode.data);
    throw e;
  }
}

/** The metrics of one pair; masks off each other's grid (dims, spacing, origin, orientation) exit 3 naming both. */
function metricsOf(pred: Volume, truth: Volume, pp: string, tp: string, tol: number): SegmentationMetrics {
  try {
    assertSameGrid(truth, tp, pred, pp);
  } catch (e) {
    if (e instanceof GridMismatchError) throw new CliError(e.message, ExitCode.data);
    throw e;
  }
  return segmentationMetrics(pred, truth, { nsdToleranceMm: tol });
}

async function classify(
  path: string,
  classOpt: string,
  boot: { resamples: number; seed: number },
): Promise<ClassificationReport> {
  let classes = classOpt
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    const head = JSON.parse(await readRunFile(path)) as { classes?: unknown };
    if (Array.isArray(head.classes) && head.classes.every((c) => typeof c === 'string'))
      classes = head.classes;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      code
        ? `${path}: cannot read (${code})`
        : e instanceof SyntaxError
          ? `${path}: not valid JSON (${e.message})`
          : (e as Error).message, // not a regular file, or too large: the message names the file
      ExitCode.data,
    );
  }
  if (classes.length < 2) throw new CliError(`need at least 2 class names, got ${JSON.stringify(classes)}`);
  let entries: Awaited<ReturnType<typeof readPredictions>>;
  try {
    entries = await readPredictions(path, classes);
  } catch (e) {
    if (e instanceof RunFolderError) throw new CliError(e.message, ExitCode.data);
    throw e;
  }
  const labelled = entries.filter((e) => e.label !== null && e.label !== undefined);
  if (labelled.length === 0)
    throw new CliError(
      `${path}: no scan has a "label"; classification metrics need the true classes`,
      ExitCode.data,
    );
  return classificationMetrics(
    {
      classes,
      labels: labelled.map((e) => labelIndex(e.label as string | number, classes)),
      probabilities: labelled.map((e) => e.probabilities),
    },
    boot,
  );
}

/** JSON.stringify writes NaN and Infinity as null anyway; doing it here keeps the choice explicit. */
function nullNonFinite(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

const ci = (iv: { value: number; lower: number; upper: number }) =>
  `${formatNumber(iv.value)} [${formatNumber(iv.lower)}, ${formatNumber(iv.upper)}]`;

function printSegmentation(
  perScan: { id: string; metrics: SegmentationMetrics }[],
  s: SegmentationSummary,
): void {
  const w = Math.max(4, ...perScan.map((p) => p.id.length));
  console.log(`${'scan'.padEnd(w)}  ${segmentationMetricNames.map((m) => m.padStart(12)).join('')}  case`);
  for (const p of perScan) {
    console.log(
      `${p.id.padEnd(w)}  ${segmentationMetricNames.map((m) => formatNumber(p.metrics[m]).padStart(12)).join('')}  ${p.metrics.case}`,
    );
  }
  console.log(`\nmean over ${s.scans} scans [95% bootstrap CI of the mean]:`);
  for (const m of segmentationMetricNames) {
    const x = s.metrics[m];
    const left = [
      x.undefinedCount ? `${x.undefinedCount} undefined` : '',
      x.infiniteCount ? `${x.infiniteCount} infinite` : '',
    ]
      .filter(Boolean)
      .join(', ');
    console.log(`  ${m.padEnd(17)} ${ci(x.meanInterval)}${left ? `  (${left}: left out)` : ''}`);
  }
}

function printClassification(c: ClassificationReport): void {
  console.log(`\nclassification of ${c.scans} scans [95% bootstrap CI]:`);
  console.log(`  ${'accuracy'.padEnd(17)} ${ci(c.accuracy)}`);
  for (const k of ['sensitivity', 'specificity', 'f1', 'auc'] as const)
    console.log(`  ${`macro ${k}`.padEnd(17)} ${ci(c.macro[k])}`);
  for (const k of c.perClass) {
    console.log(
      `  ${k.name}: sensitivity ${ci(k.sensitivity)}, specificity ${ci(k.specificity)}, F1 ${ci(k.f1)}, AUC ${ci(k.auc)}`,
    );
  }
  console.log(`  confusion (rows true, columns predicted: ${c.classes.join(', ')}):`);
  for (const row of c.confusion) console.log(`    ${row.map((v) => String(v).padStart(5)).join('')}`);
}
