import { stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { MAX_BOOTSTRAP_RESAMPLES, RunFolderError, writeRunReport } from '@deepsc/eval';
import { FormatError } from '@deepsc/io';
import { RunLockedError, RunWriteError, withRunLock } from '@deepsc/train';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { asOutputError } from '../output-error.js';
import { parseResamples } from '../resamples.js';
import { asTrainError } from '../train-errors.js';

interface ReportOptions {
  out?: string;
  resamples: string;
  seed: string;
  maxScans: string;
  nsdTolerance: string;
}

/**
 * `deepsc report <run-folder> [--out file]`: builds the self-contained HTML report of a run
 * folder (layout in docs/evaluation.md) and prints the path written.
 */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'build the self-contained HTML report of a run folder (run.json, metrics.jsonl, predictions.json, scans/)',
    )
    .argument('<run-folder>', 'the run folder')
    .option(
      '--out <file>',
      'HTML file to write, its folder created if missing (default <run-folder>/report.html)',
    )
    .option(
      '--resamples <n>',
      `bootstrap resamples of every interval (1 to ${MAX_BOOTSTRAP_RESAMPLES})`,
      '1000',
    )
    .option('--seed <n>', 'bootstrap seed', '0')
    .option('--max-scans <n>', 'scans shown with slice views', '12')
    .option('--nsd-tolerance <mm>', 'tolerance of the normalised surface Dice in mm', '1')
    .action(async (folder: string, opts: ReportOptions) => {
      const int = (s: string, flag: string, min: number) => {
        const x = Number(s);
        if (!Number.isInteger(x) || x < min)
          throw new CliError(`${flag} must be an integer >= ${min}, got ${s}`);
        return x;
      };
      const tol = Number(opts.nsdTolerance);
      if (!(tol >= 0 && Number.isFinite(tol)))
        throw new CliError(`--nsd-tolerance must be a number of mm >= 0, got ${opts.nsdTolerance}`);
      const options = {
        bootstrap: { resamples: parseResamples(opts.resamples), seed: int(opts.seed, '--seed', 0) },
        maxScanViews: int(opts.maxScans, '--max-scans', 0),
        nsdToleranceMm: tol,
      };
      const out = opts.out ?? join(folder, 'report.html');
      const st = await stat(out).catch(() => undefined);
      if (st?.isDirectory()) throw new CliError(`--out ${out} is a folder; give the HTML file to write`);
      // a report written into the run folder takes its lock, so no train or predict writes it
      // meanwhile (a missing folder is not created: writeRunReport says it is missing)
      const intoRun = resolve(out).startsWith(resolve(folder) + sep);
      const runExists = (await stat(folder).catch(() => undefined))?.isDirectory() === true;
      try {
        const r =
          intoRun && runExists
            ? await withRunLock(folder, 'deepsc report', () => writeRunReport(folder, out, options))
            : await writeRunReport(folder, out, options);
        console.log(
          `wrote ${r.path} (${(r.bytes / 1024).toFixed(0)} KiB; ${r.data.scans.length} scan views${r.data.warnings.length ? `; ${r.data.warnings.length} warnings in the report` : ''})`,
        );
      } catch (e) {
        if (e instanceof RunLockedError || e instanceof RunWriteError) throw asTrainError(e);
        if (e instanceof RunFolderError || e instanceof FormatError)
          throw new CliError(e.message, ExitCode.data);
        if (e instanceof RangeError) throw new CliError(e.message, ExitCode.data);
        // a system error on the HTML file or a folder above it is the output's; others are the run folder's
        const fsErr = e as NodeJS.ErrnoException;
        const onOutput =
          typeof fsErr.path === 'string' &&
          (resolve(fsErr.path) === resolve(out) || resolve(out).startsWith(resolve(fsErr.path) + sep));
        if (!onOutput) throw e;
        if (fsErr.code === 'EISDIR') throw new CliError(`cannot write ${out}: it is a folder`);
        if (fsErr.code === 'ENOTDIR' || fsErr.code === 'EEXIST')
          throw new CliError(`cannot write ${out}: a part of the path is a file, not a folder`);
        throw asOutputError(out, e);
      }
    });
}
