/**
 * All-reduce bandwidth of @deepsc/distributed's gloo backend for the paper model's gradient
 * (DeepSC-COVID's trainable floats, counted from the paper widths), between 2 processes on this
 * machine (loopback TCP): one collective over the whole gradient with gloo's ring and
 * halving-doubling algorithms, then the gradient cut into buckets issued back to back on the
 * collective thread, as the gradient hook does during a backward.
 *
 * Run: npx tsx --conditions=source benchmarks/src/allreduce.ts [--repeats N] [--ranks 2]
 * Writes benchmarks/results/allreduce.json. Not a timed test: loopback numbers depend on the
 * machine's load (each rank's reduction runs on a core of its own).
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mulberry32, Tensor } from '@deepsc/core';
import { createDeepScCovid, presetConfig, type TrainingBatch, trainingStep } from '@deepsc/deepsc-covid';
import { initProcessGroup } from '@deepsc/distributed';
import { runScript, writeResult } from './script-io.js';

interface WorkerArgs {
  rank: number;
  worldSize: number;
  store: string;
  floats: number;
  repeats: number;
  /** Time training steps with and without the gradient hook instead of bare all-reduces. */
  steps?: boolean;
}

/** Training steps of one rank: median ms of forward + backward + step, each rank on its own data. */
interface StepTiming {
  /** Without the hook: this rank's own gradients. */
  localMs: number;
  /** With the hook's defaults: 25 MiB buckets, the first one 1 MiB (as DDP). */
  syncedMs: number;
  /** 25 MiB buckets, the first one too: the first collective starts late in the backward. */
  syncedLargeFirstMs: number;
  /** 4 MiB buckets (the first 1 MiB). */
  synced4MiBMs: number;
}

/** One configuration's timing (rank 0's view; every rank waits for the slowest). */
interface Measurement {
  name: string;
  algorithm: 'ring' | 'halving-doubling';
  /** Bucket size in MiB; 0: the whole gradient in one collective. */
  bucketMiB: number;
  buckets: number;
  medianMs: number;
  minMs: number;
  /** Gradient bytes / median time. */
  algorithmGBps: number;
  /** What each rank's links carry: 2 (W - 1) / W of the algorithm bandwidth (NCCL's "bus bandwidth"). */
  busGBps: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** The paper model's trainable floats (parameter counts do not depend on the input size). */
function paperGradientFloats(): { floats: number; parameters: number; largest: number } {
  const net = createDeepScCovid(presetConfig('paper', { wholeSize: [16, 32, 32], patchSize: [8, 32, 32] }), {
    seed: 1,
  });
  let floats = 0;
  let largest = 0;
  const names = net.model.trainableNames;
  for (const name of names) {
    const t = net.model.parameter(name);
    floats += t.data.length;
    largest = Math.max(largest, t.data.length);
    t.dispose();
  }
  net.model.dispose();
  return { floats, parameters: names.length, largest };
}

/** The paper widths at a small grid (whole 16x32x32, patch 8x32x32): the paper's gradient, a short backward. */
const smallGrid = {
  wholeSize: [16, 32, 32] as [number, number, number],
  patchSize: [8, 32, 32] as [number, number, number],
};

function batchOf(rank: number): TrainingBatch {
  const r = mulberry32(77 + rank);
  const [D, H, W] = smallGrid.wholeSize;
  const [pd, ph, pw] = smallGrid.patchSize;
  return {
    whole: Tensor.from(
      Float32Array.from({ length: D * H * W }, () => r() * 2 - 1),
      [1, 1, D, H, W],
    ),
    patch: Tensor.from(
      Float32Array.from({ length: pd * ph * pw }, () => r() * 2 - 1),
      [1, 1, pd, ph, pw],
    ),
    region: { lo: [4, 0, 0], hi: [12, H, W] },
    labels: [rank % 3],
    lesionMask: Tensor.from(
      Float32Array.from({ length: pd * ph * pw }, (_, i) => (Math.floor(i / pw) % ph < 8 ? 1 : 0)),
      [1, 1, pd, ph, pw],
    ),
  };
}

async function stepWorker(a: WorkerArgs): Promise<StepTiming> {
  const pg = await initProcessGroup({
    rank: a.rank,
    worldSize: a.worldSize,
    rendezvous: { kind: 'file', path: a.store },
    timeoutMs: 120_000,
  });
  const net = createDeepScCovid(presetConfig('paper', smallGrid), {
    seed: 1,
    optimizer: { kind: 'sgd', lr: 1e-4 },
  });
  const batch = batchOf(a.rank);
  await pg.broadcastModel(net.model);
  // The machine's load drifts: the configurations take turns, each round a warm-up step (a new
  // hook allocates its buckets) and a timed one.
  const configs: (undefined | { bucketBytes?: number; firstBucketBytes?: number })[] = [
    undefined,
    {},
    { firstBucketBytes: 25 << 20 },
    { bucketBytes: 4 << 20 },
  ];
  const times: number[][] = configs.map(() => []);
  for (let round = 0; round < a.repeats; round++)
    for (const [c, options] of configs.entries()) {
      if (options) pg.attachGradients(net.model, options);
      for (let i = 0; i < 2; i++) {
        await pg.barrier();
        const t0 = performance.now();
        await trainingStep(net, batch);
        if (i === 1) times[c]?.push(performance.now() - t0);
      }
      if (options) pg.detachGradients(net.model);
    }
  const [localMs, syncedMs, syncedLargeFirstMs, synced4MiBMs] = times.map(median) as [
    number,
    number,
    number,
    number,
  ];
  pg.destroy();
  return { localMs, syncedMs, syncedLargeFirstMs, synced4MiBMs };
}

async function worker(a: WorkerArgs): Promise<Measurement[] | StepTiming> {
  if (a.steps) return stepWorker(a);
  const pg = await initProcessGroup({
    rank: a.rank,
    worldSize: a.worldSize,
    rendezvous: { kind: 'file', path: a.store },
    timeoutMs: 120_000,
  });
  const grad = new Float32Array(a.floats).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const bytes = a.floats * 4;
  const configs: { algorithm: 'ring' | 'halving-doubling'; bucketMiB: number }[] = [
    { algorithm: 'ring', bucketMiB: 0 },
    { algorithm: 'halving-doubling', bucketMiB: 0 },
    { algorithm: 'ring', bucketMiB: 1 },
    { algorithm: 'ring', bucketMiB: 4 },
    { algorithm: 'ring', bucketMiB: 25 },
    { algorithm: 'halving-doubling', bucketMiB: 25 },
  ];
  const out: Measurement[] = [];
  for (const c of configs) {
    const per = c.bucketMiB === 0 ? a.floats : (c.bucketMiB * 2 ** 20) / 4;
    const views: Float32Array[] = [];
    for (let at = 0; at < a.floats; at += per) views.push(grad.subarray(at, Math.min(a.floats, at + per)));
    const once = async () => {
      await pg.barrier();
      const t0 = performance.now();
      // Queued back to back on the collective thread, as the gradient hook posts its buckets.
      await Promise.all(views.map((v) => pg.allReduce([v], 'mean', { algorithm: c.algorithm })));
      return performance.now() - t0;
    };
    await once(); // warm-up: connections, buffers
    const times: number[] = [];
    for (let r = 0; r < a.repeats; r++) times.push(await once());
    const ms = median(times);
    const algorithmGBps = bytes / (ms / 1000) / 1e9;
    out.push({
      name: `${c.algorithm}${c.bucketMiB ? `, ${c.bucketMiB} MiB buckets` : ', whole gradient'}`,
      algorithm: c.algorithm,
      bucketMiB: c.bucketMiB,
      buckets: views.length,
      medianMs: ms,
      minMs: Math.min(...times),
      algorithmGBps,
      busGBps: (algorithmGBps * 2 * (a.worldSize - 1)) / a.worldSize,
    });
  }
  pg.destroy();
  return out;
}

function spawnRank<R>(args: WorkerArgs, env: NodeJS.ProcessEnv = process.env): Promise<R> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=source',
        fileURLToPath(import.meta.url),
        '--worker',
        JSON.stringify(args),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0) resolve(JSON.parse(line) as R);
      else reject(new Error(`rank ${args.rank} exited ${code}: ${out}`));
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { repeats: { type: 'string' }, ranks: { type: 'string' }, steps: { type: 'boolean' } },
  });
  const repeats = Number(values.repeats ?? 5);
  const worldSize = Number(values.ranks ?? 2);
  const model = paperGradientFloats();
  console.log(
    `paper model: ${model.parameters} trainable parameters, ${model.floats} floats (${((model.floats * 4) / 2 ** 20).toFixed(1)} MiB), largest ${model.largest}`,
  );
  const store = mkdtempSync(join(tmpdir(), 'deepsc-allreduce-'));
  try {
    if (values.steps) {
      // One engine thread per rank: the ranks share this machine's cores.
      const env = { ...process.env, DEEPSC_NUM_THREADS: '1' };
      const all = await Promise.all(
        Array.from({ length: worldSize }, (_, rank) =>
          spawnRank<StepTiming>({ rank, worldSize, store, floats: model.floats, repeats, steps: true }, env),
        ),
      );
      const t = all[0] as StepTiming;
      console.log(
        `training step (paper widths, whole 16x32x32, 1 thread per rank): local ${t.localMs.toFixed(0)} ms; synced: ` +
          `${t.syncedMs.toFixed(0)} ms (25 MiB buckets, first 1 MiB), ${t.syncedLargeFirstMs.toFixed(0)} ms ` +
          `(25 MiB, first 25 MiB), ${t.synced4MiBMs.toFixed(0)} ms (4 MiB, first 1 MiB)`,
      );
      writeResult('allreduce-step.json', {
        date: new Date().toISOString(),
        worldSize,
        repeats,
        model,
        steps: all,
      });
      return;
    }
    const all = await Promise.all(
      Array.from({ length: worldSize }, (_, rank) =>
        spawnRank<Measurement[]>({ rank, worldSize, store, floats: model.floats, repeats }),
      ),
    );
    const rows = all[0] as Measurement[];
    console.log('| configuration | buckets | median ms | min ms | algorithm GB/s | bus GB/s |');
    console.log('|---|---|---|---|---|---|');
    for (const m of rows)
      console.log(
        `| ${m.name} | ${m.buckets} | ${m.medianMs.toFixed(1)} | ${m.minMs.toFixed(1)} | ${m.algorithmGBps.toFixed(2)} | ${m.busGBps.toFixed(2)} |`,
      );
    writeResult('allreduce.json', {
      date: new Date().toISOString(),
      worldSize,
      repeats,
      model,
      results: rows,
    });
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}

runScript(import.meta.url, main, worker);
