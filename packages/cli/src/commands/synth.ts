import { stat } from 'node:fs/promises';
import {
  generateCohort,
  MAX_COHORT_SCANS,
  MAX_SYNTH_IN_PLANE,
  MAX_SYNTH_SLICES,
  MAX_WORKER_THREADS,
  type ScanLabel,
} from '@deepsc/io';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { printJson } from '../output.js';
import { asOutputError } from '../output-error.js';

interface SynthOptions {
  out: string;
  n: string;
  seed: string;
  inPlane: string;
  slices: string;
  atypical: string;
  workers?: string;
  json?: boolean;
}

function integer(name: string, text: string, min: number, max: number): number {
  const v = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw new CliError(`--${name} must be an integer in ${min}..${max}, got '${text}'`);
  return v;
}

/** Refuses an --out that is a file or lies below one (exit 2), before anything is generated. */
async function checkOutFolder(out: string): Promise<void> {
  const info = await stat(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    if (err.code === 'ENOTDIR')
      throw new CliError(`--out ${out}: a part of the path is a file, not a folder`, ExitCode.usage);
    throw asOutputError(out, err);
  });
  if (info && !info.isDirectory()) throw new CliError(`--out ${out} is a file, not a folder`, ExitCode.usage);
}

/**
 * `deepsc synth --out <dir> --n <count> --seed <s>`: writes a synthetic COVID-19 / CAP /
 * non-pneumonia cohort (NIfTI images, lesion and lung masks, manifest.json and manifest.csv).
 * Options outside their documented ranges exit with 2 before anything is written; a write the
 * system refuses (disk full, read-only) exits with 4 naming the file.
 */
export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description(
      'write a synthetic chest CT cohort (COVID-19, CAP, non-pneumonia) with lesion and lung masks and a manifest',
    )
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .option('--n <count>', `number of scans (1..${MAX_COHORT_SCANS})`, '60')
    .option('--seed <s>', 'cohort seed (integer or text); the same seed writes the same bytes', '0')
    .option('--in-plane <voxels>', `voxels along i and j (32..${MAX_SYNTH_IN_PLANE})`, '128')
    .option('--slices <lo-hi>', `range of the slice count (16..${MAX_SYNTH_SLICES})`, '64-96')
    .option('--atypical <p>', 'probability that a pneumonia scan looks like the other pneumonia class', '0.1')
    .option('--workers <n>', `worker threads (0..${MAX_WORKER_THREADS}; default: available cores)`)
    .option('--json', 'print the summary as JSON')
    .action(async (opts: SynthOptions) => {
      const n = integer('n', opts.n, 1, MAX_COHORT_SCANS);
      const inPlane = integer('in-plane', opts.inPlane, 32, MAX_SYNTH_IN_PLANE);
      const m = /^(\d+)-(\d+)$/.exec(opts.slices);
      if (!m) throw new CliError(`--slices must look like 64-96, got '${opts.slices}'`);
      const slices: [number, number] = [Number(m[1]), Number(m[2])];
      if (slices[0] < 16 || slices[1] < slices[0] || slices[1] > MAX_SYNTH_SLICES)
        throw new CliError(`--slices needs 16 <= lo <= hi <= ${MAX_SYNTH_SLICES}, got '${opts.slices}'`);
      const atypical = Number(opts.atypical);
      if (!(atypical >= 0 && atypical <= 1))
        throw new CliError(`--atypical must lie in [0, 1], got '${opts.atypical}'`);
      const seed =
        /^\d+$/.test(opts.seed) && Number.isSafeInteger(Number(opts.seed)) ? Number(opts.seed) : opts.seed;
      const workers =
        opts.workers === undefined ? undefined : integer('workers', opts.workers, 0, MAX_WORKER_THREADS);
      await checkOutFolder(opts.out);
      const t0 = performance.now();
      // progress only for people watching a terminal; pipes and logs get the summary alone
      const onProgress = process.stderr.isTTY
        ? (done: number, total: number) =>
            process.stderr.write(`\rgenerated ${done}/${total}${done === total ? '\n' : ''}`)
        : undefined;
      let r: Awaited<ReturnType<typeof generateCohort>>;
      try {
        r = await generateCohort({
          out: opts.out,
          n,
          seed,
          inPlane,
          slices,
          atypicalProbability: atypical,
          ...(workers !== undefined ? { workers } : {}),
          ...(onProgress ? { onProgress } : {}),
        });
      } catch (err) {
        if (err instanceof RangeError) throw new CliError(err.message, ExitCode.usage);
        throw asOutputError((err as NodeJS.ErrnoException).path ?? opts.out, err);
      }
      const seconds = (performance.now() - t0) / 1000;
      const counts: Record<ScanLabel, number> = { covid: 0, cap: 0, normal: 0 };
      for (const e of r.entries) counts[e.label]++;
      const summary = {
        out: r.out,
        scans: n,
        counts,
        manifestJson: r.manifestJson,
        manifestCsv: r.manifestCsv,
        seconds: Number(seconds.toFixed(1)),
      };
      if (opts.json) return printJson(summary);
      console.log(
        `wrote ${n} scans (${counts.covid} covid, ${counts.cap} cap, ${counts.normal} normal) to ${r.out} in ${seconds.toFixed(1)} s`,
      );
      console.log(`manifest: ${r.manifestJson}`);
      console.log(`          ${r.manifestCsv}`);
    });
}
