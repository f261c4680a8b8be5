/**
 * The distributed sampler and the trainer's exchanges between ranks (in memory; the real
 * process group is tested end to end in @deepsc/cli's distributed-train.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  agreeOnStep,
  ConfigError,
  epochOrder,
  localMicroBatches,
  rankZeroDecides,
  shardOrder,
  shareText,
} from '../src/index.js';
import { memoryGroups } from './support/memory-group.js';

describe('shardOrder', () => {
  const order = epochOrder(7, 3, 5, 4 * 6); // 4 steps of 6 scans from 5 training scans
  it.each([
    { worldSize: 1, k: 6 },
    { worldSize: 2, k: 6 },
    { worldSize: 3, k: 6 },
    { worldSize: 6, k: 6 },
  ])(
    'N=$worldSize, accumulate $k: the ranks take every micro-batch once, step by step',
    ({ worldSize, k }) => {
      const shards = [...Array(worldSize).keys()].map((rank) => shardOrder(order, k, { rank, worldSize }));
      for (const [rank, shard] of shards.entries()) {
        expect(shard).toHaveLength(order.length / worldSize);
        for (const { m, scan } of shard) {
          expect(m % worldSize).toBe(rank); // scans r, r + N, ... of each step
          expect(scan).toBe(order[m]); // the single process's scan at that index
        }
        // k / N micro-batches of each step, in step order
        const steps = shard.map((x) => Math.floor(x.m / k));
        expect(steps).toEqual([...steps].sort((a, b) => a - b));
        for (let s = 0; s < 4; s++) expect(steps.filter((t) => t === s)).toHaveLength(k / worldSize);
      }
      const all = shards.flat().map((x) => x.m);
      expect(all.sort((a, b) => a - b)).toEqual([...order.keys()]);
    },
  );

  it('starts at a step (a resume mid-epoch)', () => {
    const shard = shardOrder(order, 6, { rank: 1, worldSize: 3 }, 2);
    expect(shard.map((x) => x.m)).toEqual([13, 16, 19, 22]);
  });

  it.each([
    {
      k: 3,
      worldSize: 2,
      rank: 0,
      error: ConfigError,
      message:
        /training.accumulate: got 3.*multiple of 2.*set training.accumulate to 4 \(or run 1, 3 processes\)/,
    },
    {
      k: 1,
      worldSize: 2,
      rank: 0,
      error: ConfigError,
      message: /got 1.*set training.accumulate to 2 \(or run 1 process\)/,
    },
    { k: 4, worldSize: 2, rank: 2, error: RangeError, message: /rank must be 0 to 1, got 2/ },
    {
      k: 4,
      worldSize: 0,
      rank: 0,
      error: RangeError,
      message: /world size must be a positive integer, got 0/,
    },
  ])('refuses accumulate $k on $worldSize ranks, rank $rank', ({ k, worldSize, rank, error, message }) => {
    const run = () => shardOrder(order, k, { rank, worldSize });
    expect(run).toThrow(error);
    expect(run).toThrow(message);
  });

  it('localMicroBatches is accumulate / N', () => {
    expect([1, 2, 4].map((n) => localMicroBatches(4, n))).toEqual([4, 2, 1]);
  });
});

describe('exchanges between ranks', () => {
  it.each(['', 'runs/x/checkpoints/last', 'é ✓ 𝄞'.repeat(3000)])(
    'shareText gives rank 0 text to all (%#)',
    async (text) => {
      const groups = memoryGroups(3);
      const got = await Promise.all(groups.map((g) => shareText(g, g.rank === 0 ? text : 'ignored')));
      expect(got).toEqual([text, text, text]);
    },
  );

  it('agreeOnStep sums the ranks and stops when any asks', async () => {
    const groups = memoryGroups(2);
    const [a, b] = await Promise.all([
      agreeOnStep(groups[0]!, { loss: 0.25, ce: 1 }, false),
      agreeOnStep(groups[1]!, { loss: 0.5, ce: 2 }, true),
    ]);
    expect(a).toEqual({ sums: { loss: 0.75, ce: 3 }, stop: true });
    expect(b).toEqual(a);
    const none = await Promise.all(groups.map((g) => agreeOnStep(g, {}, false)));
    expect(none.map((x) => x.stop)).toEqual([false, false]);
  });

  it('rankZeroDecides runs the work on rank 0 only and gives every rank its answer', async () => {
    const groups = memoryGroups(3);
    const ran: number[] = [];
    const answers = await Promise.all(
      groups.map((g) =>
        rankZeroDecides(
          g,
          async () => {
            ran.push(g.rank);
            return true;
          },
          1000,
        ),
      ),
    );
    expect(ran).toEqual([0]);
    expect(answers).toEqual([true, true, true]);
  });
});
