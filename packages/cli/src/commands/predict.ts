import { resolve } from 'node:path';
import { assertSameGrid, readNifti } from '@deepsc/io';
import {
  checkPredictionOutput,
  loadPlugins,
  loadPredictor,
  NON_FINITE_REPLACEMENT_HU,
  type Predictor,
  predictVolume,
  preprocessOptions,
  readCheckpointState,
  writePrediction,
} from '@deepsc/train';
import type { Command } from 'commander';
import { checkDicomSegPath, writePredictionSeg } from '../dicom-seg-output.js';
import { CliError } from '../errors.js';
import { printJson } from '../output.js';
import { asOutputError } from '../output-error.js';
import { asTrainError } from '../train-errors.js';
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
}

/**
 * `deepsc predict --model <checkpoint> --input <nifti | dicom-folder> --out <dir>`: class
 * probabilities, the lesion mask and probability and the evidence map on the input's own grid,
 * and the lesion findings. The output folder is checked before anything runs and written all at
 * once (a temporary folder renamed into place); weights, voxels and outputs must be finite.
 */
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description(
      'classify a chest CT and segment its lesions with a trained checkpoint; outputs on the input grid',
    )
    .requiredOption(
      '-m, --model <checkpoint>',
      'checkpoint folder written by deepsc train (e.g. runs/x/checkpoints/best)',
    )
    .requiredOption('-i, --input <path>', 'CT in HU: NIfTI file, DICOM file or DICOM folder')
    .requiredOption('-o, --out <dir>', 'output folder (created; must be new or empty unless --overwrite)')
    .option(
      '--overwrite',
      'replace the prediction already in --out (a folder of other files is never replaced)',
    )
    .option('--lung <mask>', 'lung mask NIfTI on the input grid (default: computed)')
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
      'also write the lesion mask as a DICOM Segmentation referencing the input series (DICOM input only)',
    )
    .option('--json', 'print prediction.json to stdout as well')
    .option(
      '--plugin <lib>',
      "an op plugin library the network needs, instead of the checkpoint's recorded plugins (repeatable)",
      (v: string, prev: string[]) => [...prev, v],
      [],
    )
    .addHelpText(
      'after',
      '\nWrites <out>/lesion_mask.nii.gz, lesion_probability.nii.gz, <map>.nii.gz per map of the model\n(DeepSC-COVID: evidence.nii.gz) and prediction.json (the model is the one the checkpoint records)\n(and, with --dicom-seg, the lesion mask as a DICOM SEG beside the scan in a viewer).\nExit codes: 0 done, 2 bad arguments or an --out that cannot take the outputs, 3 unreadable\nor implausible input, a mask off the input grid, a bad checkpoint (NaN weights included) or a\nnon-finite output, 4 the system refused the write (disk full, read-only...).',
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
      const overwrite = opts.overwrite === true;
      let predictor: Predictor | undefined;
      try {
        try {
          await checkPredictionOutput(opts.out, { overwrite });
        } catch (err) {
          throw asOutputError(opts.out, err);
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
        // the model the checkpoint records (config.model.name), through the model registry
        const loaded = await loadPredictor(opts.model, state);
        predictor = loaded.predictor;
        const preprocess = preprocessOptions(state.config, loaded.model);
        const source = await loadVolume(opts.input, readOptions(opts));
        if (opts.dicomSeg !== undefined && source.format !== 'dicom')
          throw new CliError(
            `--dicom-seg needs a DICOM input (the SEG references its series); ${opts.input} is NIfTI`,
          );
        for (const w of ('warnings' in source.volume ? source.volume.warnings : []) as string[])
          process.stderr.write(`deepsc: warning: ${w}\n`);
        let lung: Awaited<ReturnType<typeof readNifti>> | undefined;
        if (opts.lung) {
          try {
            lung = await readNifti(opts.lung);
          } catch (err) {
            throw asDataError(opts.lung, err);
          }
          assertSameGrid(source.volume, opts.input, lung, opts.lung);
        }
        let p: Awaited<ReturnType<typeof predictVolume>>;
        try {
          p = await predictVolume(predictor, source.volume, preprocess, {
            threshold,
            overlap,
            nonFiniteVoxels,
            ...(lung ? { lung } : {}),
          });
        } catch (err) {
          throw asDataError(opts.input, err);
        }
        if (p.nonFiniteVoxels.count > 0)
          process.stderr.write(
            `deepsc: warning: ${opts.input}: ${p.nonFiniteVoxels.count} NaN or infinite voxel(s) read as ${p.nonFiniteVoxels.replacedWithHu} HU (recorded in prediction.json)\n`,
          );
        let json: string;
        try {
          json = await writePrediction(opts.out, p, { input: opts.input, model: opts.model }, { overwrite });
        } catch (err) {
          throw asOutputError(opts.out, err);
        }
        if (opts.dicomSeg !== undefined && source.format === 'dicom')
          await writePredictionSeg(opts.dicomSeg, p, source.volume);
        if (opts.json) {
          const { readFile } = await import('node:fs/promises');
          printJson(JSON.parse(await readFile(json, 'utf8')));
        } else {
          const probs = p.probabilities.map((v, k) => `${p.classes[k]} ${v.toFixed(3)}`).join(', ');
          console.log(`${p.predictedClass ?? '(no classifier)'}${probs ? ` (${probs})` : ''}`);
          if (p.findings)
            console.log(
              `lesions: ${p.findings.lesionCount}, ${(100 * p.findings.lesionToLungRatio).toFixed(2)}% of the lung, ${p.findings.laterality}`,
            );
          console.log(`wrote ${json}`);
          if (opts.dicomSeg !== undefined) console.log(`wrote ${opts.dicomSeg}`);
        }
      } catch (err) {
        throw asTrainError(err);
      } finally {
        predictor?.net.model.dispose();
      }
    });
}
