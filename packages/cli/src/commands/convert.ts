import { lstat } from 'node:fs/promises';
import { writeNifti } from '@deepsc/io';
import { type Command, Option } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { asOutputError } from '../output-error.js';
import { asDataError, loadVolume, readOptions, type VolumeInputOptions } from '../volume-input.js';

interface ConvertOptions extends VolumeInputOptions {
  niftiVersion: '1' | '2';
  overwrite?: boolean;
}

/**
 * `deepsc convert <input> <output.nii[.gz]>`: a DICOM series or NIfTI file to NIfTI, geometry
 * intact (the affine is written to both sform and qform; a NIfTI input keeps its other header
 * fields). An existing output is replaced only with `--overwrite`. Unreadable input exits with
 * code 3; an existing output without `--overwrite`, a bad output name or folder with code 2; a
 * write the system refuses (disk full, read-only file system, I/O error) with code 4.
 */
export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('convert a DICOM series or NIfTI file to NIfTI (.nii or .nii.gz), keeping its geometry')
    .argument('<input>', 'a .nii / .nii.gz file, a DICOM file, or a folder of DICOM files')
    .argument('<output>', 'the NIfTI file to write: .nii, or .nii.gz for gzip')
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
    .addOption(new Option('--nifti-version <n>', 'NIfTI version to write').choices(['1', '2']).default('1'))
    .option('--overwrite', 'replace an existing output file')
    .action(async (input: string, output: string, opts: ConvertOptions) => {
      if (!/\.nii(\.gz)?$/i.test(output)) {
        throw new CliError(`output ${output} must end in .nii or .nii.gz`, ExitCode.usage);
      }
      // an existing file (another scan, or the input itself) is replaced only when asked
      const existing = await lstat(output).catch(() => undefined);
      if (existing && !existing.isDirectory() && !opts.overwrite)
        throw new CliError(
          `${output} exists; pass --overwrite to replace it, or give another output`,
          ExitCode.usage,
        );
      const source = await loadVolume(input, readOptions(opts));
      const version = opts.niftiVersion === '2' ? 2 : 1;
      const header =
        source.format === 'dicom'
          ? {
              descrip: `deepsc convert: ${source.volume.modality || 'DICOM'} series`.slice(0, 79),
              xyztUnits: 2,
            }
          : undefined;
      try {
        await writeNifti(output, source.volume, { version, ...(header ? { header } : {}) });
      } catch (err) {
        // the system refused the write (disk full, read-only): exit 4; a bad output path: exit 2
        const refused = asOutputError(output, err);
        if (refused instanceof CliError) throw refused;
        const e = asDataError(output, err);
        if (e instanceof CliError) throw new CliError(`cannot write ${e.message}`, ExitCode.usage);
        throw e;
      }
      for (const w of source.volume.warnings) console.error(`deepsc: warning: ${w}`);
      const v = source.volume;
      console.log(
        `wrote ${output}: ${v.dims.join('x')} voxels of ${v.spacing.map((s) => s.toFixed(3)).join('x')} mm from ${source.format}`,
      );
    });
}
