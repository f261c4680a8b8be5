import { vi } from 'vitest';
import { main } from '../../src/program.js';

/** What one in-process run of the `deepsc` program printed, and its exit code. */
export interface CliRun {
  code: number;
  /** stdout: process.stdout writes and console.log lines (each ending in a newline). */
  out: string;
  /** stderr: process.stderr writes and console.error lines (each ending in a newline). */
  err: string;
}

/** Runs `deepsc <args>` in this process, capturing stdout and stderr. */
export async function runCli(...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    }),
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err.push(String(s));
      return true;
    }),
    vi.spyOn(console, 'log').mockImplementation((...s) => void out.push(`${s.join(' ')}\n`)),
    vi.spyOn(console, 'error').mockImplementation((...s) => void err.push(`${s.join(' ')}\n`)),
  ];
  try {
    const code = await main(['node', 'deepsc', ...args]);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}
