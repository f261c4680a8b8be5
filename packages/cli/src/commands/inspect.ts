import { type Command, Option } from 'commander';
import { printJson } from '../output.js';
import { describeVolume, loadVolume, readOptions, type VolumeInputOptions } from '../volume-input.js';

/**
 * `deepsc inspect <file | dicom-folder>`: prints JSON with format, dims, spacing, the 4x4 RAS
 * affine, datatype, min and max, and warnings. Unreadable input exits with code 3.
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
    .option('--first-volume', 'read the first volume of a 4D NIfTI file instead of refusing it')
    .action(async (input: string, opts: VolumeInputOptions) => {
      const source = await loadVolume(input, readOptions(opts));
      printJson(describeVolume(input, source));
    });
}
