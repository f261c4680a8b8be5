import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkTrainingDevice, loadTrainConfig, TRAIN_PRESETS, train } from '@deepsc/train';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { printJson } from '../output.js';
import { asTrainError, interruptSignal } from '../train-errors.js';

interface TrainOptions {
  config: string;
  set: string[];
  preset?: string;
  resume?: string;
  progress: string;
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * `deepsc train --config <file> [--set field=value]... [--resume <checkpoint | auto>]`: trains
 * DeepSC-COVID as the file says. Ctrl-C saves a checkpoint and exits with 130; `--resume` picks up
 * exactly where it stopped.
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
      "resume from a checkpoint folder, or 'auto' for <out>/checkpoints/last when it exists",
    )
    .option('--progress <style>', 'auto (bar on a terminal), bar, lines or off', 'auto')
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 2 bad config or arguments, 3 bad data or checkpoint, 130 interrupted (checkpoint saved).\nExample: deepsc train --config train.json --set training.epochs=3 --resume auto\nOn a GPU: --set training.device=cuda (exit 2 naming the reason where CUDA is unavailable).',
    )
    .action(async (opts: TrainOptions) => {
      if (!['auto', 'bar', 'lines', 'off'].includes(opts.progress))
        throw new CliError(`--progress must be auto, bar, lines or off, got '${opts.progress}'`);
      if (opts.preset !== undefined && !(opts.preset in TRAIN_PRESETS))
        throw new CliError(
          `--preset must be one of ${Object.keys(TRAIN_PRESETS).join(', ')}, got '${opts.preset}'`,
        );
      const { signal, release } = interruptSignal(() =>
        process.stderr.write(
          '\ninterrupt: finishing the current step and saving a checkpoint (Ctrl-C again to quit at once)\n',
        ),
      );
      try {
        const config = await loadTrainConfig(opts.config, {
          overrides: opts.set,
          ...(opts.preset ? { defaultPreset: opts.preset as keyof typeof TRAIN_PRESETS } : {}),
        });
        // train() checks this too; here the message can name the file
        checkTrainingDevice(config.training.device, opts.config);
        let resume = opts.resume;
        if (resume === 'auto') {
          const last = join(config.out, 'checkpoints', 'last');
          resume = (await stat(join(last, 'state.json')).then(
            () => true,
            () => false,
          ))
            ? last
            : undefined;
        }
        const r = await train(config, {
          signal,
          progress: { style: opts.progress as 'auto' },
          ...(resume ? { resume } : {}),
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
