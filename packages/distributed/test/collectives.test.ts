/**
 * Collectives across 2 and 3 processes on loopback (test/support/ranks.ts spawns them): each
 * rank's arrays are reduced and compared with the float64 sum of every rank's values. The
 * bound: a float32 sum of W terms in any order is within (W - 1) * 2^-24 * sum|x_i| of the
 * exact sum (a mean: that over W, plus 2^-24 |mean| for the division); `*Ratio` is the worst
 * element's error over its bound, so < 1 means within it. Measured: up to 0.95 (sum, 3 ranks).
 */
import { describe, expect, it } from 'vitest';
import { title, unavailable } from './support/available.js';
import { results, runRanks } from './support/ranks.js';

describe.skipIf(unavailable)(title('allReduce, broadcast and barrier across processes'), () => {
  const hashes = new Map<number, unknown>();
  it.each([2, 3])(
    '%i ranks: within the float32 summation bound, identical on every rank',
    async (worldSize) => {
      const r = results(await runRanks({ scenario: 'collectives', worldSize, timeoutMs: 10_000 }));
      for (const x of r) {
        expect(x.sumRatio).toBeLessThan(1);
        expect(x.meanRatio).toBeLessThan(1);
        expect(x.hdRatio).toBeLessThan(1);
        expect(x.broadcastExact).toBe(true);
        expect(x.hash).toBe(r[0]?.hash);
      }
      hashes.set(worldSize, r[0]?.hash);
    },
  );

  it('deterministic run to run: a second 3-rank run (meeting through the TCP store rank 0 serves) gives the same bits', async () => {
    const r = results(
      await runRanks({ scenario: 'collectives', worldSize: 3, timeoutMs: 10_000, tcp: true }),
    );
    expect(hashes.get(3)).toBeDefined();
    for (const x of r) expect(x.hash).toBe(hashes.get(3));
  });
});

describe.skipIf(unavailable)(title('failures end the collective within the timeout, naming the rank'), () => {
  it('a rank that never joins: every other rank fails after timeoutMs naming it', async () => {
    const out = await runRanks({ scenario: 'neverJoined', worldSize: 3, ranks: [0, 1], timeoutMs: 1000 });
    for (const x of results(out)) {
      expect(x).toMatchObject({ name: 'DistributedError', rank: 2, timedOut: true });
      expect(x.message).toMatch(
        /^rendezvous timed out after 1000 ms: rank 2 of 3 did not join \(rendezvous folder .*, job 'deepsc'\)$/,
      );
      expect(x.ms as number).toBeGreaterThanOrEqual(900);
      expect(x.ms as number).toBeLessThan(1000 + 2000);
    }
  });

  it('without rank 0 (which serves the TCP store) the others fail after timeoutMs naming it', async () => {
    const out = await runRanks({
      scenario: 'neverJoined',
      worldSize: 2,
      ranks: [1],
      timeoutMs: 1000,
      tcp: true,
    });
    for (const x of results(out)) {
      expect(x).toMatchObject({ name: 'DistributedError', rank: 0, timedOut: true });
      expect(x.message).toMatch(
        /^rendezvous timed out: cannot reach the rendezvous store at 127\.0\.0\.1:\d+ \(served by rank 0\) within 1000 ms/,
      );
      expect(x.ms as number).toBeLessThan(1000 + 2000);
    }
  });

  it('a rank killed mid-collective: the others fail well within the timeout naming it; the group stays failed', async () => {
    const timeoutMs = 8000;
    const out = await runRanks({
      scenario: 'lostMidCollective',
      worldSize: 3,
      timeoutMs,
      args: { victim: 1, signal: 'SIGKILL' },
    });
    expect(out[1]?.signal).toBe('SIGKILL');
    for (const x of results(out.filter((o) => o.rank !== 1))) {
      expect(x).toMatchObject({ name: 'DistributedError', rank: 1, timedOut: false });
      expect(x.message).toMatch(/^allReduce failed: rank 1 \(pid \d+ on this host\) exited \[gloo: .*\]$/);
      expect(x.ms as number).toBeLessThan(timeoutMs);
      expect(x.failure).toBe(x.message);
      expect(x.later).toMatch(
        /^barrier: the process group failed earlier \(allReduce failed: rank 1 .*\); the job must end/,
      );
      expect(x.laterMs as number).toBeLessThan(1000);
    }
  });

  it('a rank that hangs mid-collective: the others time out after timeoutMs naming it', async () => {
    const timeoutMs = 1000;
    const out = await runRanks({
      scenario: 'lostMidCollective',
      worldSize: 3,
      timeoutMs,
      args: { victim: 2, signal: 'SIGSTOP' },
      stragglers: [2],
    });
    for (const x of results(out.filter((o) => o.rank !== 2))) {
      expect(x).toMatchObject({ name: 'DistributedError', rank: 2, timedOut: true });
      expect(x.message).toMatch(
        /^allReduce timed out after 1000 ms: rank 2 did not answer \(alive as far as this host can tell/,
      );
      expect(x.ms as number).toBeGreaterThanOrEqual(timeoutMs - 100);
      expect(x.ms as number).toBeLessThan(timeoutMs + 2000 + 1000);
    }
  });
});
