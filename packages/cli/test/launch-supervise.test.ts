/**
 * Whom the launcher blames when a data-parallel job fails, and the exit code it ends with:
 * its supervision over stand-in workers (what each reported over IPC and how it ended), so every
 * rule is exercised without gloo; distributed-train.test.ts runs real jobs.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type LaunchedWorker, supervise } from '../src/commands/launch.js';
import { ExitCode } from '../src/errors.js';

/** A stand-in worker: `fail` reports an error over IPC, `end` exits; SIGKILL ends it. */
class Stand {
  readonly events = new EventEmitter();
  readonly signals: string[] = [];
  readonly worker: LaunchedWorker;
  #resolve = () => {};
  constructor(rank: number, lastBeatAgoMs = 0) {
    const exited = new Promise<void>((r) => {
      this.#resolve = r;
    });
    const events = this.events;
    this.worker = {
      rank,
      lastBeat: Date.now() - lastBeatAgoMs,
      beaten: true,
      exited,
      proc: {
        pid: 1000 + rank,
        kill: (sig?: NodeJS.Signals | number) => {
          this.signals.push(String(sig));
          if (sig === 'SIGKILL') this.end(null, 'SIGKILL');
          return true;
        },
        on: ((name: string, fn: (...a: unknown[]) => void) => {
          events.on(name, fn);
          return this.worker.proc;
        }) as LaunchedWorker['proc']['on'],
      },
    };
  }
  fail(code: number, message: string, peer = false): void {
    this.worker.report = { code, message, peer };
    this.events.emit('message', { type: 'failed', code, message, peer });
  }
  end(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.worker.exit) return;
    this.worker.exit = { code, signal };
    this.#resolve();
  }
}

const lost = 'barrier failed: rank 1 (pid 1001 on this host) exited';

describe('the launcher blames the rank at fault', () => {
  it.each([
    {
      what: 'a rank killed by a signal, the other losing it',
      run: ([a, b]: Stand[]) => {
        b?.end(null, 'SIGKILL');
        a?.fail(4, lost, true);
        a?.end(4);
      },
      message: 'rank 1 of 2 (pid 1001) was killed by SIGKILL; stopped the other workers',
      code: ExitCode.io,
    },
    {
      what: 'a rank that exited without reporting (a crash)',
      run: ([a, b]: Stand[]) => {
        b?.end(134);
        a?.fail(4, lost, true);
        a?.end(4);
      },
      message:
        'rank 1 of 2 (pid 1001) exited with code 134 without reporting an error (see its output above); stopped the other workers',
      code: ExitCode.io,
    },
    {
      what: "a rank's own error keeps its message and code",
      run: ([a, b]: Stand[]) => {
        a?.fail(4, lost, true);
        b?.fail(3, 'training diverged at epoch 1, step 2', false);
        b?.end(3);
        a?.end(4);
      },
      message: 'rank 1 of 2: training diverged at epoch 1, step 2',
      code: ExitCode.data,
    },
    {
      what: 'a silent rank while the other timed out waiting for it (hung)',
      run: ([a]: Stand[]) => {
        a?.fail(4, 'allreduce timed out after 3000 ms', true);
        a?.end(4);
      },
      message:
        /^rank 1 \(pid 1001\) of 2 stopped responding: no progress for \d+ s while the others waited \(timeout 3 s\); stopped every worker$/,
      code: ExitCode.io,
      killed: [1],
    },
    {
      what: 'only consequences: the first report',
      run: ([a, b]: Stand[]) => {
        a?.fail(4, 'rendezvous timed out after 3000 ms: rank 2 of 3 did not join', true);
        b?.fail(4, 'rendezvous timed out after 3000 ms: rank 2 of 3 did not join', true);
        a?.end(4);
        b?.end(4);
      },
      message: 'rank 0 of 2: rendezvous timed out after 3000 ms: rank 2 of 3 did not join',
      code: ExitCode.io,
    },
    {
      what: 'Ctrl-C: every rank saved and exited 130',
      run: ([a, b]: Stand[]) => {
        b?.fail(130, 'interrupted; resume with --resume runs/x/checkpoints/last');
        b?.end(130);
        a?.fail(130, 'interrupted; resume with --resume runs/x/checkpoints/last');
        a?.end(130);
      },
      message: 'interrupted; resume with --resume runs/x/checkpoints/last',
      code: ExitCode.interrupted,
    },
  ])('$what', async ({ run, message, code, killed }) => {
    const stands = [new Stand(0), new Stand(1)];
    const outcome = supervise(
      stands.map((s) => s.worker),
      3000,
      () => {},
    );
    run(stands);
    const err = await outcome;
    expect(err?.code).toBe(code);
    if (typeof message === 'string') expect(err?.message).toBe(message);
    else expect(err?.message).toMatch(message);
    for (const rank of killed ?? []) expect(stands[rank]?.signals).toEqual(['SIGKILL']);
  });

  it('every rank done: no error, nobody killed', async () => {
    const stands = [new Stand(0), new Stand(1)];
    const outcome = supervise(
      stands.map((s) => s.worker),
      3000,
      () => {},
    );
    for (const s of stands) s.end(0);
    expect(await outcome).toBeUndefined();
    expect(stands.flatMap((s) => s.signals)).toEqual([]);
  });

  it('the watchdog: a rank silent for twice the timeout is hung, and every worker is stopped', async () => {
    const stands = [new Stand(0), new Stand(1, 10_000)];
    const err = await supervise(
      stands.map((s) => s.worker),
      400,
      () => {},
    );
    expect(err?.code).toBe(ExitCode.io);
    expect(err?.message).toMatch(/^rank 1 \(pid 1001\) of 2 stopped responding: no progress for 10 s/);
    expect(stands.map((s) => s.signals)).toEqual([['SIGKILL'], ['SIGKILL']]);
  });
});
