import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors.js';

/** Where the repository lives: the benchmarks are a tool of a clone, not a published package. */
const repositoryUrl = 'https://github.com/deepsc/deepsc';

/**
 * The repository's `benchmarks/` workspace (package `@deepsc/benchmarks`), found from this file
 * (src/ or dist/ of packages/cli in a clone); undefined where @deepsc/cli was installed from npm
 * (a `benchmarks/` folder of the user's own project is not ours and is never run).
 */
export function benchmarksDir(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (let up = 0; up < 6; up++) {
    const candidate = join(dir, 'benchmarks', 'package.json');
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === '@deepsc/benchmarks')
          return dirname(candidate);
      } catch {
        // not ours
      }
    }
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
      'run the kernel and training-step benchmarks against PyTorch and onnxruntime (a tool of the repository, not published: needs a clone; results in benchmarks/results/)',
    )
    .argument('[args...]', 'arguments for the benchmark runner (after --), e.g. deepsc bench -- --help')
    .allowUnknownOption()
    .action(async (args: string[]) => {
      const dir = benchmarksDir();
      if (!dir)
        throw new CliError(
          `deepsc bench runs the benchmarks/ workspace of a clone of the repository; they are not published with @deepsc/cli (they need PyTorch and onnxruntime): git clone ${repositoryUrl} && cd deepsc && npm ci && npm run build && npx deepsc bench`,
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
