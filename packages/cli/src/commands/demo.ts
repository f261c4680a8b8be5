import { DEMO_SCANS, MAX_DEMO_SCANS, runDemo } from '@deepsc/train';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { printJson } from '../output.js';
import { asTrainError, checkDeviceOption, checkProgressStyle, interruptSignal } from '../train-errors.js';

interface DemoOptions {
  out: string;
  scans: string;
  seed: string;
  set: string[];
  device?: string;
  overwrite?: boolean;
  progress: string;
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

/**
 * `deepsc demo`: generates a synthetic cohort, trains DeepSC-COVID on it, evaluates on the
 * held-out scans and writes the HTML report, then prints the headline numbers beside the
 * cohort's ceiling and where the report is.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'synthetic cohort -> training -> held-out evaluation -> HTML report, in one go (about 10 minutes on 2 cores)',
    )
    .option(
      '-o, --out <dir>',
      'output folder: cohort/, run/ (checkpoints, metrics, report.html)',
      'deepsc-demo',
    )
    .option(
      '--scans <n>',
      `scans in the synthetic cohort (64 x 64 in-plane, 32-48 slices; 10 to ${MAX_DEMO_SCANS})`,
      String(DEMO_SCANS),
    )
    .option('--seed <n>', 'seed of the cohort and the training', '0')
    .option(
      '--set <field=value>',
      'override a field of the demo config, e.g. --set training.epochs=2 (repeatable)',
      collect,
      [],
    )
    .option('--device <device>', 'cpu or cuda: where the network trains (same as --set training.device=...)')
    .option('--overwrite', "replace a previous demo's run folder (<out>/run)")
    .option('--progress <style>', 'auto (bar on a terminal), bar, lines or off', 'auto')
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 2 bad arguments (or --device cuda without a CUDA build or a GPU, or <out>/run in use or holding a previous demo without --overwrite), 3 the training diverged, 4 a write refused by the system (disk full, read-only), 130 interrupted (checkpoint saved).',
    )
    .action(async (opts: DemoOptions) => {
      const scans = Number(opts.scans);
      const seed = Number(opts.seed);
      if (!Number.isInteger(scans) || scans < 10 || scans > MAX_DEMO_SCANS)
        throw new CliError(
          `--scans must be an integer >= 10 (a split needs every class) and <= ${MAX_DEMO_SCANS}, got '${opts.scans}'`,
        );
      if (!Number.isInteger(seed) || seed < 0)
        throw new CliError(`--seed must be a non-negative integer, got '${opts.seed}'`);
      checkProgressStyle(opts.progress);
      checkDeviceOption(opts.device);
      const { signal, release } = interruptSignal();
      try {
        const r = await runDemo({
          out: opts.out,
          scans,
          seed,
          ...(opts.overwrite ? { overwrite: true } : {}),
          // --device first, so an explicit --set training.device=... still wins
          overrides: [...(opts.device ? [`training.device=${opts.device}`] : []), ...opts.set],
          signal,
          progress: { style: opts.progress as 'auto' },
          log: opts.json ? () => undefined : (m) => process.stderr.write(`${m}\n`),
        });
        if (r.training.status === 'interrupted')
          throw new CliError(`interrupted; checkpoint ${r.training.lastCheckpoint}`, ExitCode.interrupted);
        const e = r.evaluation;
        const summary = {
          report: r.report,
          runDir: r.runDir,
          cohort: r.cohortDir,
          heldOutScans: e.scans.length,
          accuracy: e.accuracy,
          ceiling: r.ceiling,
          accuracyWithinCeiling: e.accuracy >= r.ceiling - 0.1,
          lesionDice: e.lesionDice,
          lesionDiceAtLeast06: e.lesionDice >= 0.6,
          training: { status: r.training.status, epochs: r.training.epochs, steps: r.training.steps },
          seconds: r.seconds,
        };
        if (opts.json) {
          printJson(summary);
          return;
        }
        console.log('');
        console.log(`DeepSC demo: ${e.scans.length} held-out synthetic scans`);
        console.log(
          `  classification accuracy ${fmt(e.accuracy)}   (cohort ceiling ${fmt(r.ceiling)}: the accuracy of a classifier on the true lesion findings; target >= ${fmt(r.ceiling - 0.1)})`,
        );
        console.log(
          `  lesion Dice             ${fmt(e.lesionDice)}   (mean over held-out scans with lesions; target >= 0.600)`,
        );
        console.log(
          `  time ${r.seconds.total.toFixed(0)} s (synth ${r.seconds.synth.toFixed(0)}, train ${r.seconds.train.toFixed(0)}, evaluate ${r.seconds.evaluate.toFixed(0)}, report ${r.seconds.report.toFixed(0)})`,
        );
        console.log(`  report: ${r.report}`);
      } catch (err) {
        throw asTrainError(err);
      } finally {
        release();
      }
    });
}
