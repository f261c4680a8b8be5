import { checkTrainingDevice, loadTrainConfig, TRAIN_PRESETS, train } from '@deepsc/train';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { printJson } from '../output.js';
import { asTrainError, checkProgressStyle, interruptSignal } from '../train-errors.js';

interface TrainOptions {
  config: string;
  set: string[];
  preset?: string;
  resume?: string;
  overwrite?: boolean;
  force?: boolean;
  progress: string;
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * `deepsc train --config <file> [--set field=value]... [--resume <checkpoint | auto> [--force] |
 * --overwrite]`: trains DeepSC-COVID as the file says, holding the run folder's lock. A new run
 * needs an empty folder (or `--overwrite`). Ctrl-C saves a checkpoint and exits with 130;
 * `--resume` picks up exactly where it stopped.
 */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train DeepSC-COVID from a JSON config (see docs/training.md); Ctrl-C saves and exits 130')
    .requiredOption('-c, --config <file>', 'training configuration (JSON)')
    .option(
      '--set <field=value>',
      'override a config field, e.g. --set training.epochs=5 (repeatable)',
      collect,
      [],
    )
    .option(
      '--preset <name>',
      `base preset when the file names none: ${Object.keys(TRAIN_PRESETS).join(', ')}`,
    )
    .option(
      '--resume <checkpoint>',
      "resume from a checkpoint folder, or 'auto' for the run folder's newest complete checkpoint (none: start at epoch 0)",
    )
    .option(
      '--overwrite',
      'clear the run folder first (a new run where a previous one was; a folder holding files no run writes is refused)',
    )
    .option('--force', "resume although the manifest's content changed since the run started")
    .option('--progress <style>', 'auto (bar on a terminal), bar, lines or off', 'auto')
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 2 bad config or arguments (or the run folder in use, or not empty without --resume / --overwrite), 3 bad data or checkpoint (or the training diverged: NaN or infinite values; the last checkpoint stays), 4 a write refused by the system (disk full, read-only), 130 interrupted (checkpoint saved).\nExample: deepsc train --config train.json --set training.epochs=3 --resume auto\nOn a GPU: --set training.device=cuda (exit 2 naming the reason where CUDA is unavailable).',
    )
    .action(async (opts: TrainOptions) => {
      checkProgressStyle(opts.progress);
      if (opts.preset !== undefined && !(opts.preset in TRAIN_PRESETS))
        throw new CliError(
          `--preset must be one of ${Object.keys(TRAIN_PRESETS).join(', ')}, got '${opts.preset}'`,
        );
      if (opts.overwrite && opts.resume !== undefined)
        throw new CliError(
          '--overwrite and --resume exclude each other: --resume continues the run in the folder, --overwrite replaces it',
        );
      if (opts.force && opts.resume === undefined)
        throw new CliError('--force only applies to --resume (a resume with a changed manifest)');
      const { signal, release } = interruptSignal();
      try {
        const config = await loadTrainConfig(opts.config, {
          overrides: opts.set,
          ...(opts.preset ? { defaultPreset: opts.preset as keyof typeof TRAIN_PRESETS } : {}),
        });
        // train() checks this too; here the message can name the file
        checkTrainingDevice(config.training.device, opts.config);
        const r = await train(config, {
          signal,
          progress: { style: opts.progress as 'auto' },
          // on stderr whatever the progress style: they say what was recovered or assumed
          notice: (m) => process.stderr.write(`${m}\n`),
          ...(opts.resume !== undefined ? { resume: opts.resume } : {}),
          ...(opts.overwrite ? { overwrite: true } : {}),
          ...(opts.force ? { force: true } : {}),
        });
        r.network.model.dispose();
        const summary = {
          status: r.status,
          epochs: r.epochs,
          steps: r.steps,
          out: r.out,
          lastCheckpoint: r.lastCheckpoint,
          bestCheckpoint: r.bestCheckpoint ?? null,
          best: r.best,
        };
        if (opts.json) printJson(summary);
        else {
          console.log(`${r.status}: ${r.epochs} epochs, ${r.steps} steps; run folder ${r.out}`);
          console.log(`last checkpoint ${r.lastCheckpoint}`);
          if (r.bestCheckpoint && r.best)
            console.log(
              `best checkpoint ${r.bestCheckpoint} (${r.best.metric} ${r.best.value.toFixed(4)} at epoch ${r.best.epoch})`,
            );
        }
        if (r.status === 'interrupted')
          throw new CliError(`interrupted; resume with --resume ${r.lastCheckpoint}`, ExitCode.interrupted);
      } catch (err) {
        throw asTrainError(err);
      } finally {
        release();
      }
    });
}
