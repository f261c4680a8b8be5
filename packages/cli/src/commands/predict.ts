import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertSameGrid, type PreprocessOptions, readNifti } from '@deepsc/io';
import {
  CUDA_WINDOW_BATCH,
  checkPredictDevice,
  checkPredictionOutput,
  loadPlugins,
  loadPredictor,
  NON_FINITE_REPLACEMENT_HU,
  type NonFiniteVoxelPolicy,
  type Predictor,
  PredictorOptionError,
  predictVolume,
  preprocessOptions,
  readCheckpointState,
  type VolumePrediction,
  writePrediction,
} from '@deepsc/train';
import type { Command } from 'commander';
import { checkDicomSegPath, writePredictionSeg } from '../dicom-seg-output.js';
import { CliError, ExitCode } from '../errors.js';
import { printJson } from '../output.js';
import { asOutputError } from '../output-error.js';
import { type FolderScan, listPredictInputs } from '../predict-inputs.js';
import { PredictProgress } from '../predict-progress.js';
import { asTrainError, checkDeviceOption } from '../train-errors.js';
import { asDataError, loadVolume, readOptions, type VolumeInputOptions } from '../volume-input.js';

interface PredictOptions extends VolumeInputOptions {
  model: string;
  input: string;
  out: string;
  lung?: string;
  threshold: string;
  overlap: string;
  nonFiniteVoxels: string;
  overwrite?: boolean;
  dicomSeg?: string;
  json?: boolean;
  plugin: string[];
  device: string;
  windowBatch?: string;
}

/** One scan predicted and written: the prediction, where its prediction.json is, and what was read. */
interface ScanResult {
  p: VolumePrediction;
  json: string;
  source: Awaited<ReturnType<typeof loadVolume>>;
}

/** What every scan of a call shares: the model, its preprocessing and the prediction options. */
interface ScanContext {
  predictor: Predictor;
  preprocess: PreprocessOptions;
  threshold: number;
  overlap: number;
  nonFiniteVoxels: NonFiniteVoxelPolicy;
  overwrite: boolean;
  progress: PredictProgress;
}

/** The lines a prediction prints for people: the class and probabilities, the lesion findings. */
function describePrediction(p: VolumePrediction): string[] {
  const probs = p.probabilities.map((v, k) => `${p.classes[k]} ${v.toFixed(3)}`).join(', ');
  return [
    `${p.predictedClass ?? '(no classifier)'}${probs ? ` (${probs})` : ''}`,
    ...(p.findings
      ? [
          `lesions: ${p.findings.lesionCount}, ${(100 * p.findings.lesionToLungRatio).toFixed(2)}% of the lung, ${p.findings.laterality}`,
        ]
      : []),
  ];
}

/** `--window-batch`: a positive integer (exit 2 otherwise); absent: the device's default. */
function parseWindowBatch(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new CliError(`--window-batch must be a positive integer, got '${v}'`);
  return n;
}

/**
 * Reads, predicts and writes one scan into `out` (atomically: writePrediction).
 * @throws CliError: exit 3 for an unreadable or implausible scan or a non-finite output, 2 or
 *   4 for an output folder that cannot take it (asOutputError); engine errors as they are.
 */
async function predictScan(
  ctx: ScanContext,
  input: string,
  out: string,
  opts: PredictOptions,
  single: { lung?: string; checkSource?: (source: ScanResult['source']) => void } = {},
): Promise<ScanResult> {
  const lungPath = single.lung;
  const source = await loadVolume(input, readOptions(opts));
  single.checkSource?.(source);
  for (const w of ('warnings' in source.volume ? source.volume.warnings : []) as string[]) {
    ctx.progress.clear();
    process.stderr.write(`deepsc: warning: ${input}: ${w}\n`);
  }
  let lung: Awaited<ReturnType<typeof readNifti>> | undefined;
  if (lungPath) {
    try {
      lung = await readNifti(lungPath);
    } catch (err) {
      throw asDataError(lungPath, err);
    }
    assertSameGrid(source.volume, input, lung, lungPath);
  }
  let p: VolumePrediction;
  try {
    p = await predictVolume(ctx.predictor, source.volume, ctx.preprocess, {
      threshold: ctx.threshold,
      overlap: ctx.overlap,
      nonFiniteVoxels: ctx.nonFiniteVoxels,
      onWindow: (done, total) => ctx.progress.window(done, total),
      ...(lung ? { lung } : {}),
    });
  } catch (err) {
    throw asDataError(input, err);
  }
  if (p.nonFiniteVoxels.count > 0) {
    ctx.progress.clear();
    process.stderr.write(
      `deepsc: warning: ${input}: ${p.nonFiniteVoxels.count} NaN or infinite voxel(s) read as ${p.nonFiniteVoxels.replacedWithHu} HU (recorded in prediction.json)\n`,
    );
  }
  let json: string;
  try {
    json = await writePrediction(out, p, { input, model: opts.model }, { overwrite: ctx.overwrite });
  } catch (err) {
    throw asOutputError(out, err);
  }
  return { p, json, source };
}

/**
 * `deepsc predict --model <checkpoint> --input <nifti | dicom-folder | folder of scans> --out <dir>`:
 * class probabilities, the lesion mask and probability and the evidence map on the input's own
 * grid, and the lesion findings, on the CPU or a GPU (`--device`), the sliding windows
 * `--window-batch` per network call. A folder of scans is predicted scan by scan into
 * `<out>/<scan name>/` with the network compiled once; a scan that fails is named and the others
 * still run (exit 3 at the end). Each output folder is checked before anything runs and written
 * all at once (a temporary folder renamed into place); weights, voxels and outputs must be finite.
 */
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description(
      'classify chest CTs and segment their lesions with a trained checkpoint; outputs on each input grid',
    )
    .requiredOption(
      '-m, --model <checkpoint>',
      'checkpoint folder written by deepsc train (e.g. runs/x/checkpoints/best)',
    )
    .requiredOption(
      '-i, --input <path>',
      'CT in HU: NIfTI file, DICOM file or DICOM folder; or a folder of scans (NIfTI files and/or DICOM series folders)',
    )
    .requiredOption(
      '-o, --out <dir>',
      'output folder (created; must be new or empty unless --overwrite); a folder of scans: one subfolder per scan',
    )
    .option(
      '--overwrite',
      'replace the prediction already in --out (a folder of other files is never replaced)',
    )
    .option('--device <device>', 'cpu or cuda: where the network runs', 'cpu')
    .option(
      '--window-batch <n>',
      `sliding windows per network call (default 1 on cpu, ${CUDA_WINDOW_BATCH} on cuda, at most what the model batches); results do not depend on it on cpu`,
    )
    .option('--lung <mask>', 'lung mask NIfTI on the input grid (default: computed; one scan only)')
    .option('--threshold <p>', 'lesion probability threshold', '0.5')
    .option('--overlap <f>', 'sliding-window overlap in [0, 1)', '0.5')
    .option('--series <uid>', 'DICOM series to read when the folder holds several')
    .option('--uneven-spacing <mode>', 'DICOM slices with uneven gaps: error or warn', 'error')
    .option('--first-volume', 'read the first volume of a 4D NIfTI')
    .option(
      '--non-finite-voxels <policy>',
      `NaN or infinite voxels: error (refuse the scan) or replace (read them as air, ${NON_FINITE_REPLACEMENT_HU} HU, with a warning and the count in prediction.json)`,
      'error',
    )
    .option(
      '--dicom-seg <file>',
      'also write the lesion mask as a DICOM Segmentation referencing the input series (one DICOM input only)',
    )
    .option('--json', 'print prediction.json to stdout as well (a folder of scans: one JSON line per scan)')
    .option(
      '--plugin <lib>',
      "an op plugin library the network needs, instead of the checkpoint's recorded plugins (repeatable)",
      (v: string, prev: string[]) => [...prev, v],
      [],
    )
    .addHelpText(
      'after',
      `
Writes <out>/lesion_mask.nii.gz, lesion_probability.nii.gz, <map>.nii.gz per map of the model
(DeepSC-COVID: evidence.nii.gz) and prediction.json (the model is the one the checkpoint records)
(and, with --dicom-seg, the lesion mask as a DICOM SEG beside the scan in a viewer).
A folder of scans (--input holding NIfTI files, each subfolder beside them a DICOM series
folder; or only DICOM series folders): each scan into <out>/<name>/ (its file name without
.nii/.nii.gz, or its folder's name), the network compiled once, a progress bar on a terminal,
one line per scan (--json: one JSON record per scan); other files are skipped with a warning.
Exit codes: 0 done, 2 bad arguments, --device cuda without a CUDA engine or GPU, a window batch
the model cannot take, or an --out that cannot take the outputs, 3 unreadable or implausible
input (a folder of scans: any scan that failed; the others are written), a mask off the input
grid, a bad checkpoint (NaN weights included) or a non-finite output, 4 the system refused the
write (disk full, read-only...).`,
    )
    .action(async (opts: PredictOptions) => {
      const threshold = Number(opts.threshold);
      const overlap = Number(opts.overlap);
      if (!(threshold > 0 && threshold < 1))
        throw new CliError(`--threshold must lie in (0, 1), got '${opts.threshold}'`);
      if (!(overlap >= 0 && overlap < 1))
        throw new CliError(`--overlap must lie in [0, 1), got '${opts.overlap}'`);
      if (opts.unevenSpacing !== 'error' && opts.unevenSpacing !== 'warn')
        throw new CliError(`--uneven-spacing must be error or warn, got '${opts.unevenSpacing}'`);
      const nonFiniteVoxels = opts.nonFiniteVoxels;
      if (nonFiniteVoxels !== 'error' && nonFiniteVoxels !== 'replace')
        throw new CliError(`--non-finite-voxels must be error or replace, got '${nonFiniteVoxels}'`);
      checkDeviceOption(opts.device);
      const windowBatch = parseWindowBatch(opts.windowBatch);
      // cuda without a CUDA engine or a GPU: said before anything is read or written
      let device: ReturnType<typeof checkPredictDevice>;
      try {
        device = checkPredictDevice(opts.device);
      } catch (err) {
        if (err instanceof PredictorOptionError)
          throw new CliError(`--device ${opts.device}: ${err.message}`);
        throw err;
      }
      const overwrite = opts.overwrite === true;
      // --series picks one series of a DICOM folder: one scan
      const inputs =
        opts.series !== undefined ? { kind: 'scan' as const } : await listPredictInputs(opts.input);
      if (inputs.kind === 'folder')
        for (const [flag, given] of [
          ['--lung', opts.lung],
          ['--dicom-seg', opts.dicomSeg],
        ] as const)
          if (given !== undefined)
            throw new CliError(
              `${flag} goes with one scan; ${opts.input} is a folder of ${inputs.scans.length} scan(s)`,
            );
      let predictor: Predictor | undefined;
      try {
        const outs = inputs.kind === 'folder' ? inputs.scans.map((s) => join(opts.out, s.name)) : [opts.out];
        for (const out of outs)
          try {
            await checkPredictionOutput(out, { overwrite });
          } catch (err) {
            throw asOutputError(out, err);
          }
        if (opts.dicomSeg !== undefined) await checkDicomSegPath(opts.dicomSeg, { overwrite });
        const { state } = await readCheckpointState(opts.model);
        if (opts.plugin.length > 0)
          loadPlugins(
            opts.plugin.map((p) => resolve(p)),
            'deepsc predict',
            '--plugin',
          );
        else loadPlugins(state.config.plugins, opts.model);
        // the model the checkpoint records (config.model.name), through the model registry,
        // compiled once for the device and the window batch
        let loaded: Awaited<ReturnType<typeof loadPredictor>>;
        try {
          loaded = await loadPredictor(opts.model, state, {
            device,
            ...(windowBatch !== undefined ? { windowBatch } : {}),
          });
        } catch (err) {
          if (err instanceof PredictorOptionError)
            throw new CliError(`--window-batch ${opts.windowBatch ?? ''}: ${err.message}`);
          throw err;
        }
        predictor = loaded.predictor;
        const ctx: ScanContext = {
          predictor,
          preprocess: preprocessOptions(state.config, loaded.model),
          threshold,
          overlap,
          nonFiniteVoxels,
          overwrite,
          progress: new PredictProgress(),
        };
        if (inputs.kind === 'folder')
          await predictFolder(ctx, inputs.scans, inputs.skipped, opts, {
            device,
            windowBatch: loaded.windowBatch,
          });
        else {
          ctx.progress.scan(1, 1, opts.input);
          let r: ScanResult;
          try {
            r = await predictScan(ctx, opts.input, opts.out, opts, {
              ...(opts.lung !== undefined ? { lung: opts.lung } : {}),
              checkSource: (source) => {
                if (opts.dicomSeg !== undefined && source.format !== 'dicom')
                  throw new CliError(
                    `--dicom-seg needs a DICOM input (the SEG references its series); ${opts.input} is NIfTI`,
                  );
              },
            });
          } finally {
            ctx.progress.clear();
          }
          if (opts.dicomSeg !== undefined && r.source.format === 'dicom')
            await writePredictionSeg(opts.dicomSeg, r.p, r.source.volume);
          if (opts.json) printJson(JSON.parse(await readFile(r.json, 'utf8')));
          else {
            for (const line of describePrediction(r.p)) console.log(line);
            console.log(`wrote ${r.json}`);
            if (opts.dicomSeg !== undefined) console.log(`wrote ${opts.dicomSeg}`);
          }
        }
      } catch (err) {
        throw asTrainError(err);
      } finally {
        predictor?.net.model.dispose();
      }
    });
}

/**
 * Predicts the scans of a folder one by one into `<out>/<name>/`: a line per scan on stdout
 * (--json: a JSON record), a scan that fails with a data error (exit 3) named on stderr and
 * skipped; any other error stops the run. Ends with a summary.
 * @throws CliError (exit 3) naming the scans that failed, after the others are written.
 */
async function predictFolder(
  ctx: ScanContext,
  scans: readonly FolderScan[],
  skipped: readonly string[],
  opts: PredictOptions,
  run: { device: string; windowBatch: number },
): Promise<void> {
  if (skipped.length > 0)
    process.stderr.write(
      `deepsc: warning: ${opts.input}: skipped ${skipped.length} file(s) that are not scans (NIfTI .nii / .nii.gz or DICOM series folders): ${skipped.join(', ')}\n`,
    );
  const failed: string[] = [];
  for (const [i, scan] of scans.entries()) {
    const out = join(opts.out, scan.name);
    ctx.progress.scan(i + 1, scans.length, scan.name);
    let r: ScanResult;
    try {
      r = await predictScan(ctx, scan.path, out, opts);
    } catch (err) {
      ctx.progress.clear();
      const e = asTrainError(err);
      if (!(e instanceof CliError) || e.code !== ExitCode.data) throw e;
      failed.push(scan.name);
      process.stderr.write(`deepsc: ${scan.name}: failed: ${e.message}\n`);
      if (opts.json)
        console.log(
          JSON.stringify({
            scan: scan.name,
            input: scan.path,
            status: 'failed',
            exitCode: e.code,
            error: e.message,
          }),
        );
      continue;
    }
    ctx.progress.clear();
    if (opts.json) {
      const prediction = JSON.parse(await readFile(r.json, 'utf8'));
      console.log(JSON.stringify({ scan: scan.name, input: scan.path, status: 'ok', out, prediction }));
    } else console.log(`${scan.name}: ${describePrediction(r.p).join('; ')}; wrote ${r.json}`);
  }
  const done = scans.length - failed.length;
  const how = `on ${run.device}, window batch ${run.windowBatch}`;
  if (failed.length > 0)
    throw new CliError(
      `${failed.length} of ${scans.length} scan(s) failed (${failed.join(', ')}); ${done} predicted into ${opts.out} (${how})`,
      ExitCode.data,
    );
  const summary = `${done} of ${scans.length} scan(s) predicted into ${opts.out} (${how})`;
  if (opts.json) process.stderr.write(`deepsc: ${summary}\n`);
  else console.log(summary);
}
