import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';

/** The repository's `benchmarks/` workspace, found from this file (src/ or dist/ of packages/cli). */
export function benchmarksDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const candidate = join(dir, 'benchmarks', 'package.json');
    if (existsSync(candidate)) return dirname(candidate);
    dir = resolve(dir, '..');
  }
  return undefined;
}

/**
 * `deepsc bench [args...]`: runs the benchmarks workspace's `bench` script (kernels and training
 * step against PyTorch and onnxruntime, side by side); arguments after `--` go to it.
 */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(
      'run the kernel and training-step benchmarks (needs a clone of the repository; results in benchmarks/results/)',
    )
    .argument('[args...]', 'arguments for the benchmark runner (after --), e.g. deepsc bench -- --help')
    .allowUnknownOption()
    .action(async (args: string[]) => {
      const dir = benchmarksDir();
      if (!dir)
        throw new CliError(
          'the benchmarks are not here: deepsc bench runs the benchmarks/ workspace of a clone of the repository (git clone, npm ci, then deepsc bench)',
          ExitCode.usage,
        );
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        scripts?: Record<string, string>;
      };
      if (!pkg.scripts?.bench)
        throw new CliError(`${join(dir, 'package.json')} has no "bench" script`, ExitCode.usage);
      const code = await new Promise<number>((res, rej) => {
        const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
        const child = spawn(npm, ['run', '--silent', 'bench', ...(args.length ? ['--', ...args] : [])], {
          cwd: dir,
          stdio: 'inherit',
        });
        child.on('error', rej);
        child.on('exit', (c, sig) => res(c ?? (sig === 'SIGINT' ? ExitCode.interrupted : ExitCode.failure)));
      });
      if (code !== 0) throw new CliError(`the benchmark runner exited with code ${code}`, code);
    });
}
