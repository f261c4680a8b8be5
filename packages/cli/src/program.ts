/**
 * The `deepsc` program: one file per command under `commands/`, registered here.
 * @module
 */
import { EngineLoadError } from '@deepsc/native';
import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerConvert } from './commands/convert.js';
import { registerDemo } from './commands/demo.js';
import { registerEval } from './commands/eval.js';
import { registerInfo } from './commands/info.js';
import { registerInspect } from './commands/inspect.js';
import { registerModels } from './commands/models.js';
import { registerPredict } from './commands/predict.js';
import { registerReport } from './commands/report.js';
import { registerStudy } from './commands/study.js';
import { registerSynth } from './commands/synth.js';
import { registerTrain } from './commands/train.js';
import { CliError, ExitCode } from './errors.js';

/** Builds the commander program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('deepsc')
    .description(
      'DeepSC: joint 3D lesion segmentation and COVID-19 / CAP / non-pneumonia classification of chest CT',
    )
    .version('0.1.0')
    .option('--verbose', 'print stack traces of errors')
    .showHelpAfterError()
    .exitOverride();
  registerInfo(program);
  registerInspect(program);
  registerConvert(program);
  registerEval(program);
  registerReport(program);
  registerSynth(program);
  registerDemo(program);
  registerTrain(program);
  registerModels(program);
  registerPredict(program);
  registerStudy(program);
  registerBench(program);
  return program;
}

/**
 * Runs the program on `argv` (as process.argv) and returns the exit code; never throws.
 * Errors are printed as one line (with the stack when `--verbose` is given).
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv);
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit with code 0; usage errors were already printed by commander
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof EngineLoadError || (err as Error)?.name === 'EngineLoadError') {
      // An installation problem, not a bug: the message names the package and how to build.
      console.error(`deepsc: ${(err as Error).message}`);
      return ExitCode.usage;
    }
    if (err instanceof CliError) {
      console.error(`deepsc: ${err.message}`);
      if (verbose && err.stack) console.error(err.stack);
      return err.code;
    }
    const e = err as Error;
    console.error(`deepsc: ${e?.message ?? String(err)}`);
    if (verbose && e?.stack) console.error(e.stack);
    else console.error('(run with --verbose for details)');
    return ExitCode.failure;
  }
}
