/**
 * The bad-input table's runner: each row is one `deepsc` command that must fail (or succeed)
 * with a stated exit code and message, run in its own sandbox folder, after which nothing in the
 * sandbox outside the row's declared output paths may have changed and no partial file
 * (`*.tmp*`, `.tmp-*`, `*.old-*`, `.partial`) may be left anywhere in it.
 *
 * Rows that could hang the process (FIFOs, devices) or kill it (V8 fatal errors) run as a child
 * process of `bin.ts` with a time limit (`subprocess: true`); the rest run in-process through
 * {@link runCli}, which is much faster.
 */
import { spawn } from 'node:child_process';
import { lstat, mkdtemp, readdir, readlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { type CliRun, runCli } from './run-cli.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
// tsx by absolute URL: the child runs in the sandbox, where a bare `tsx` does not resolve
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** One row of a bad-input table. */
export interface BadInputRow {
  /** What the row tries, as a reader of the table would say it. */
  name: string;
  /** Prepares the sandbox (writes files) and may return values the args use. */
  setup?: (sandbox: string) => Promise<void> | void;
  /** The arguments after `deepsc`; `{dir}` is replaced by the sandbox path. */
  args: string[];
  /** Expected exit code. */
  code: number;
  /** A fragment (or pattern) the error output must contain. */
  message?: string | RegExp;
  /** Paths (relative to the sandbox) the command may create or change; everything else must stay. */
  outputs?: string[];
  /** Run as a child process with this time limit (for inputs that could hang or kill the process). */
  subprocess?: boolean;
  /** Time limit of a subprocess row, ms (default 60 s). */
  timeoutMs?: number;
  /** Extra checks on the run and the sandbox after it. */
  after?: (run: CliRun, sandbox: string) => Promise<void> | void;
}

/** Files and folders that are leftovers of an interrupted write. */
export const PARTIAL = /(\.tmp(-\d+)?$|\.tmp-|\.old-\d+|\.partial$)/;

interface Entry {
  kind: 'file' | 'dir' | 'link' | 'other';
  size: number;
  mtimeMs: number;
  target?: string;
}

/** Every entry under `root` (not following symlinks), keyed by its path relative to root. */
export async function snapshot(root: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const walk = async (d: string) => {
    for (const name of await readdir(d)) {
      const p = join(d, name);
      const st = await lstat(p);
      const rel = relative(root, p);
      if (st.isSymbolicLink()) out.set(rel, { kind: 'link', size: 0, mtimeMs: 0, target: await readlink(p) });
      else if (st.isDirectory()) {
        out.set(rel, { kind: 'dir', size: 0, mtimeMs: 0 });
        await walk(p);
      } else if (st.isFile()) out.set(rel, { kind: 'file', size: st.size, mtimeMs: st.mtimeMs });
      else out.set(rel, { kind: 'other', size: 0, mtimeMs: 0 });
    }
  };
  await walk(root);
  return out;
}

const within = (rel: string, outputs: string[]) =>
  outputs.some((o) => rel === o || rel.startsWith(o.endsWith(sep) ? o : o + sep));

/** What changed between two snapshots outside `outputs`, and partial files anywhere after. */
export function sandboxProblems(
  before: Map<string, Entry>,
  after: Map<string, Entry>,
  outputs: string[],
): string[] {
  const problems: string[] = [];
  for (const [rel, e] of after) {
    if (PARTIAL.test(rel)) problems.push(`partial file left: ${rel}`);
    if (within(rel, outputs)) continue;
    const b = before.get(rel);
    if (!b) problems.push(`created outside the outputs: ${rel}`);
    else if (b.kind !== e.kind || b.size !== e.size || b.mtimeMs !== e.mtimeMs || b.target !== e.target)
      problems.push(`changed outside the outputs: ${rel}`);
  }
  for (const rel of before.keys())
    if (!after.has(rel) && !within(rel, outputs)) problems.push(`removed: ${rel}`);
  return problems;
}

/** Runs `deepsc` as a child process (`bin.ts` through tsx), killed after `timeoutMs`. */
export function runCliProcess(
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<CliRun & { timedOut: boolean }> {
  return new Promise((res) => {
    const child = spawn(
      process.execPath,
      ['--import', tsxLoader, '--conditions=source', join(repoRoot, 'packages/cli/src/bin.ts'), ...args],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      res({ code: code ?? (signal ? 128 + 9 : -1), out, err, timedOut });
    });
  });
}

/** Runs one row in a fresh sandbox and returns what to assert on. */
export async function runBadInputRow(row: BadInputRow): Promise<{
  run: CliRun & { timedOut?: boolean };
  sandbox: string;
  problems: string[];
}> {
  const sandbox = await mkdtemp(join(tmpdir(), 'deepsc-bad-input-'));
  await row.setup?.(sandbox);
  const args = row.args.map((a) => a.replaceAll('{dir}', sandbox));
  const before = await snapshot(sandbox);
  const run = row.subprocess
    ? await runCliProcess(args, sandbox, row.timeoutMs ?? 60_000)
    : await runCli(...args);
  const after = await snapshot(sandbox);
  return { run, sandbox, problems: sandboxProblems(before, after, row.outputs ?? []) };
}

/**
 * Runs one row and asserts it: no time-out, the exit code, the message fragment, an untouched
 * sandbox outside the outputs, no partial files, then the row's own checks.
 * Use as `it.each(rows.map((r) => [r.name, r]))('%s', (_n, row) => checkBadInputRow(row))`.
 */
export async function checkBadInputRow(row: BadInputRow): Promise<void> {
  const { run, sandbox, problems } = await runBadInputRow(row);
  const said = `exit ${run.code}\nstderr: ${run.err}\nstdout: ${run.out.slice(0, 2000)}`;
  expect(run.timedOut ?? false, `timed out\n${said}`).toBe(false);
  expect(run.code, said).toBe(row.code);
  if (typeof row.message === 'string') expect(run.err, said).toContain(row.message);
  else if (row.message) expect(run.err, said).toMatch(row.message);
  if (row.code !== 1) expect(run.err, said).not.toMatch(/run with --verbose for details/);
  expect(problems, said).toEqual([]);
  await row.after?.(run, sandbox);
}
