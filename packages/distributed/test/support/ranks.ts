/**
 * Runs one scenario of `rank.ts` in `worldSize` node processes on this machine (loopback),
 * each with its own rendezvous view of one fresh folder, and collects what each printed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** What one rank's process ended with. */
export interface RankOutcome {
  rank: number;
  /** Exit code (null when killed by a signal). */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The JSON the scenario printed on its `RESULT ` line, if any. */
  result?: Record<string, unknown>;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

/** Options of {@link runRanks}. */
export interface RunRanks {
  scenario: string;
  worldSize: number;
  /** Which ranks to start (default all): leave one out to test a rank that never joins. */
  ranks?: number[];
  timeoutMs: number;
  /** Extra scenario arguments (JSON, passed to every rank). */
  args?: Record<string, unknown>;
  /** Ranks that may never exit on their own (a stopped process): killed once every other rank has exited. */
  stragglers?: number[];
  /** Rendezvous through a TCP store rank 0 serves on a free loopback port, instead of a folder. */
  tcp?: boolean;
}

/** A TCP port nothing listens on now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the ranks, waits for all to exit (killing them after `timeoutMs` * 3 + 20 s). */
export async function runRanks(o: RunRanks): Promise<RankOutcome[]> {
  const folder = mkdtempSync(join(tmpdir(), 'deepsc-dist-'));
  try {
    const ranks = o.ranks ?? Array.from({ length: o.worldSize }, (_, r) => r);
    const port = o.tcp ? await freePort() : 0;
    const stragglers = new Map<number, ChildProcess>();
    let others = ranks.filter((r) => !o.stragglers?.includes(r)).length;
    const otherExited = () => {
      if (--others === 0) for (const c of stragglers.values()) c.kill('SIGKILL');
    };
    return await Promise.all(
      ranks.map(
        (rank) =>
          new Promise<RankOutcome>((resolve) => {
            const t0 = performance.now();
            const child = spawn(
              process.execPath,
              ['--import', 'tsx', '--conditions=source', join(here, 'rank.ts'), o.scenario],
              {
                env: {
                  ...process.env,
                  DEEPSC_TEST_RANK: String(rank),
                  DEEPSC_TEST_WORLD: String(o.worldSize),
                  DEEPSC_TEST_STORE: folder,
                  DEEPSC_TEST_PORT: String(port),
                  DEEPSC_TEST_TIMEOUT: String(o.timeoutMs),
                  DEEPSC_TEST_ARGS: JSON.stringify(o.args ?? {}),
                },
                stdio: ['ignore', 'pipe', 'pipe'],
              },
            );
            if (o.stragglers?.includes(rank)) stragglers.set(rank, child);
            let out = '';
            let err = '';
            child.stdout.on('data', (d) => {
              out += d;
            });
            child.stderr.on('data', (d) => {
              err += d;
            });
            const guard = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs * 3 + 20_000);
            child.on('exit', (code, signal) => {
              clearTimeout(guard);
              if (!o.stragglers?.includes(rank)) otherExited();
              const line = out.split('\n').find((l) => l.startsWith('RESULT '));
              resolve({
                rank,
                code,
                signal,
                ...(line ? { result: JSON.parse(line.slice(7)) as Record<string, unknown> } : {}),
                stderr: err,
                ms: performance.now() - t0,
              });
            });
          }),
      ),
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The outcomes' results, failing with every rank's stderr when one has none. */
export function results(outcomes: RankOutcome[]): Record<string, unknown>[] {
  return outcomes.map((o) => {
    if (!o.result)
      throw new Error(
        `rank ${o.rank} exited ${o.code ?? o.signal} without a result:\n${outcomes.map((x) => `--- rank ${x.rank}\n${x.stderr}`).join('\n')}`,
      );
    return o.result;
  });
}
