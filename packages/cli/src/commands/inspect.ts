import { type Command, Option } from 'commander';
import { describeSeriesList, dicomFolderSeries } from '../dicom-series-list.js';
import { inspectDescription } from '../inspect-description.js';
import { printJson } from '../output.js';
import type { VolumeInputOptions } from '../volume-input.js';

/**
 * `deepsc inspect <file | dicom-folder>`: prints JSON with format, dims, spacing, the 4x4 RAS
 * affine, datatype, min and max, and warnings (a NIfTI file's whole header under `nifti.header`:
 * a 4D file is described with every dim, min and max of its first volume; a datatype that
 * cannot be read, from its header alone); for a DICOM folder (or DICOMDIR) of several series
 * and no `--series`, the list of its series. Unreadable input exits with code 3.
 */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description(
      'print format, dims, spacing, RAS affine, datatype, min and max of a NIfTI file or DICOM series as JSON',
    )
    .argument('<input>', 'a .nii / .nii.gz file, a DICOM file, or a folder of DICOM files')
    .option('--series <uid>', 'SeriesInstanceUID to read when the folder holds several series')
    .addOption(
      new Option(
        '--uneven-spacing <mode>',
        'unevenly spaced or missing DICOM slices: error, or warn and use the mean spacing',
      )
        .choices(['error', 'warn'])
        .default('error'),
    )
    .addOption(
      new Option(
        '--first-volume',
        'kept for compatibility: inspect always describes a 4D NIfTI file',
      ).hideHelp(),
    )
    .action(async (input: string, opts: VolumeInputOptions) => {
      if (opts.series === undefined) {
        // a folder of several series: list them (UID, description, modality, frames, syntaxes)
        const series = await dicomFolderSeries(input);
        if (series && series.length > 1) {
          printJson(describeSeriesList(input, series));
          return;
        }
      }
      printJson(await inspectDescription(input, opts));
    });
}
