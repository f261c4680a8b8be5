import { resolve } from 'node:path';
import {
  checkTrainingDevice,
  checkTrainingPrecision,
  isModulePath,
  loadTrainConfig,
  localMicroBatches,
  resolveModel,
  TRAIN_PRESETS,
  type TrainOptions as TrainerOptions,
  train,
} from '@deepsc/train';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';
import { printJson } from '../output.js';
import { asTrainError, checkProgressStyle, interruptSignal } from '../train-errors.js';
import { launch } from './launch.js';
import {
  DEFAULT_DIST_TIMEOUT_S,
  gpuAssignment,
  type LaunchOptionValues,
  launchPlan,
  type WorkerPlace,
  workerPlace,
} from './launch-plan.js';
import {
  isDistributedError,
  joinGroup,
  LOST_WORKER_EXIT,
  launcherChannel,
  reportAndExit,
  underLauncher,
  workerFailure,
} from './launch-worker.js';

interface TrainOptions extends LaunchOptionValues {
  config: string;
  model?: string;
  set: string[];
  plugin: string[];
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
 * --overwrite] [--model <name>]`: trains the model the file names (`model.name`, default
 * deepsc-covid; `--model` overrides it) as the file says, holding the run folder's lock. A new run
 * needs an empty folder (or `--overwrite`). Ctrl-C saves a checkpoint and exits with 130;
 * `--resume` picks up exactly where it stopped. With `--nproc N` (and `--nnodes`, `--node-rank`,
 * `--rendezvous` for several machines) it is the launcher of a data-parallel job
 * (`launch.ts`); with `DEEPSC_WORLD_SIZE` in its environment it is one of the job's workers.
 */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model from a JSON config (see docs/training.md); Ctrl-C saves and exits 130')
    .requiredOption('-c, --config <file>', 'training configuration (JSON)')
    .option(
      '--model <name>',
      "the model to train, overriding the config's model.name: deepsc-covid, unet3d (deepsc models lists them), a package name, or a module path",
    )
    .option(
      '--set <field=value>',
      'override a config field, e.g. --set training.epochs=5 (repeatable)',
      collect,
      [],
    )
    .option(
      '--plugin <lib>',
      "an op plugin library to load (added to the config's plugins; relative to the working directory; repeatable)",
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
    .option('--nproc <n>', 'data-parallel: start n worker processes on this machine (docs/training.md)')
    .option('--nnodes <m>', 'data-parallel: machines in the job (default 1; each runs this command)')
    .option('--node-rank <r>', "data-parallel: this machine's index, 0 to nnodes-1")
    .option(
      '--rendezvous <folder|host:port>',
      'data-parallel: where the workers meet: a fresh folder every machine shares, or host:port of machine 0 (default on one machine: a temporary folder)',
    )
    .option('--threads-per-proc <t>', 'data-parallel: engine threads per worker (default cores / nproc)')
    .option(
      '--dist-timeout <seconds>',
      `data-parallel: a worker that dies or hangs ends the job within this long (default ${DEFAULT_DIST_TIMEOUT_S})`,
    )
    .option(
      '--host <address>',
      "data-parallel: the address this machine's workers listen on (default 127.0.0.1 on one machine, the host name on several)",
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 2 bad config or arguments (or the run folder in use, or not empty without --resume / --overwrite, or @deepsc/distributed missing for --nproc), 3 bad data or checkpoint (or the training diverged: NaN or infinite values; the last checkpoint stays), 4 a write refused by the system (disk full, read-only) or a data-parallel worker lost (killed, crashed or hung: the rank is named), 130 interrupted (checkpoint saved).\nData-parallel: deepsc train --config train.json --nproc 2 (training.accumulate is the global batch: a multiple of the processes).\nExample: deepsc train --config train.json --set training.epochs=3 --resume auto\nAnother model: deepsc train --config train.json --model unet3d (its model section in the file).\nOn a GPU: --set training.device=cuda (exit 2 naming the reason where CUDA is unavailable).',
    )
    .action(async (opts: TrainOptions, command: Command) => {
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
      if (opts.model !== undefined) {
        // a module path is the working directory's, not the config file's
        if (isModulePath(opts.model)) opts.model = resolve(opts.model);
        try {
          await resolveModel(opts.model, { source: 'the command line', field: '--model' });
        } catch (err) {
          throw asTrainError(err);
        }
      }
      const plan = launchPlan(opts);
      if (plan) {
        await launchJob(opts, plan, command.parent?.opts().verbose === true);
        return;
      }
      const place = workerPlace();
      if (place) {
        await runWorker(opts, place);
        return;
      }
      const { signal, release } = interruptSignal();
      try {
        await runTrain(opts, { signal });
      } catch (err) {
        throw asTrainError(err);
      } finally {
        release();
      }
    });
}

/** The configuration the options name (with --plugin libraries added to its plugins). */
const readConfig = async (opts: TrainOptions) => {
  const config = await loadTrainConfig(opts.config, {
    // --model overrides the file's model.name, and --set model.name too
    overrides: [
      ...opts.set,
      ...(opts.model !== undefined ? [`model.name=${JSON.stringify(opts.model)}`] : []),
    ],
    ...(opts.preset ? { defaultPreset: opts.preset as keyof typeof TRAIN_PRESETS } : {}),
  });
  return { ...config, plugins: [...config.plugins, ...opts.plugin.map((p) => resolve(p))] };
};

/**
 * Trains as the options say and prints the outcome (rank 0 of a job alone prints).
 * @throws CliError 130 when interrupted (after the checkpoint), and train()'s errors.
 */
async function runTrain(opts: TrainOptions, extra: TrainerOptions): Promise<void> {
  const config = await readConfig(opts);
  // train() checks these too; here the message can name the file
  checkTrainingDevice(config.training.device, opts.config);
  checkTrainingPrecision(config.training.precision, config.training.device, opts.config);
  const r = await train(config, {
    ...extra,
    progress: { style: opts.progress as 'auto' },
    // on stderr whatever the progress style: they say what was recovered or assumed
    notice: (m) => process.stderr.write(`${m}\n`),
    ...(opts.resume !== undefined ? { resume: opts.resume } : {}),
    ...(opts.overwrite ? { overwrite: true } : {}),
    ...(opts.force ? { force: true } : {}),
  });
  r.network.model.dispose();
  if ((extra.distributed?.rank ?? 0) !== 0) return;
  const summary = {
    status: r.status,
    model: { name: r.model.spec.name, version: r.model.spec.version },
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
}

/**
 * The launcher: checks what it can before any worker starts (the options, the configuration,
 * N dividing `training.accumulate`, the distributed package), then runs the workers.
 */
async function launchJob(
  opts: TrainOptions,
  plan: NonNullable<ReturnType<typeof launchPlan>>,
  verbose: boolean,
) {
  let gpus: string[] | undefined;
  try {
    const config = await readConfig(opts);
    checkTrainingDevice(config.training.device, opts.config);
    checkTrainingPrecision(config.training.precision, config.training.device, opts.config);
    localMicroBatches(config.training.accumulate, plan.worldSize, opts.config);
    if (config.training.device === 'cuda') gpus = gpuAssignment(plan.nproc);
  } catch (err) {
    throw asTrainError(err);
  }
  await launch({ ...plan, ...(gpus ? { gpus } : {}) }, workerArgs(opts, verbose));
}

/** The worker's command line: this command's options but the launcher's. */
function workerArgs(opts: TrainOptions, verbose: boolean): string[] {
  return [
    ...(verbose ? ['--verbose'] : []),
    'train',
    '--config',
    opts.config,
    ...(opts.model !== undefined ? ['--model', opts.model] : []),
    ...opts.set.flatMap((s) => ['--set', s]),
    ...opts.plugin.flatMap((p) => ['--plugin', resolve(p)]),
    ...(opts.preset !== undefined ? ['--preset', opts.preset] : []),
    ...(opts.resume !== undefined ? ['--resume', opts.resume] : []),
    ...(opts.overwrite ? ['--overwrite'] : []),
    ...(opts.force ? ['--force'] : []),
    ...(opts.json ? ['--json'] : []),
    // rank 0's stderr reaches the terminal through a pipe: say what the terminal would have chosen
    '--progress',
    opts.progress === 'auto' ? (process.stderr.isTTY ? 'bar' : 'lines') : opts.progress,
  ];
}

/**
 * One worker of a data-parallel job: joins the group its environment names and trains. Under
 * the launcher its error goes to the launcher (which prints the job's one error) and a lost
 * launcher ends it; started by other means it prints its own error.
 */
async function runWorker(opts: TrainOptions, place: WorkerPlace): Promise<void> {
  const launched = underLauncher();
  const channel = launcherChannel();
  const orphaned = () => process.exit(ExitCode.failure); // the launcher is gone: so is the job
  if (launched) process.on('disconnect', orphaned);
  // the launcher prints the interrupt notice once; a second Ctrl-C quits at once
  const ac = new AbortController();
  const onInt = () => {
    if (ac.signal.aborted) process.exit(ExitCode.interrupted);
    ac.abort();
  };
  process.on('SIGINT', onInt);
  try {
    const group = await joinGroup(place);
    channel.heartbeat(); // joined: the launcher's watchdog now counts
    try {
      await runTrain(opts, { signal: ac.signal, distributed: group, heartbeat: channel.heartbeat });
    } finally {
      group.destroy();
    }
  } catch (err) {
    const mapped = asTrainError(err);
    if (launched) await reportAndExit({ type: 'failed', ...workerFailure(mapped) });
    if (isDistributedError(mapped))
      throw new CliError(`rank ${place.rank}: ${(mapped as Error).message}`, LOST_WORKER_EXIT);
    throw mapped;
  } finally {
    process.off('SIGINT', onInt);
  }
  if (launched) {
    // done: the open channel would keep this process alive
    process.off('disconnect', orphaned);
    process.disconnect();
  }
}
