/**
 * Data-parallel training step time at the CPU preset: one optimizer step of a global batch of 2
 * scans (forward, task-aware loss, backward, Adam), by 1 process with 1 or 2 engine threads
 * (two accumulated micro-batches) against 2 processes with 1 thread each (one micro-batch each,
 * the gradients all-reduced by @deepsc/distributed's hook during the backward), and the
 * all-reduce of a gradient of the preset's size alone. Each configuration runs in fresh
 * processes (`DEEPSC_NUM_THREADS` set per process); each figure is the median of several steps
 * after warm-up (and the fastest), measured by rank 0. Writes benchmarks/results/train-distributed.json.
 *
 *   npx tsx --conditions=source benchmarks/src/train-distributed.ts [--quick]
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDeepScCovid, presetConfig, trainingStep } from '@deepsc/deepsc-covid';
import { randomStepInputs } from './random-step-inputs.js';
import { runScript, writeResult } from './script-io.js';

/** One configuration: processes x engine threads each, for a global batch of `batch` scans. */
interface Setup {
  name: string;
  processes: number;
  threads: number;
  batch: number;
}

const SETUPS: Setup[] = [
  { name: '1 process x 1 thread', processes: 1, threads: 1, batch: 2 },
  { name: '1 process x 2 threads', processes: 1, threads: 2, batch: 2 },
  { name: '2 processes x 1 thread', processes: 2, threads: 1, batch: 2 },
];

interface WorkerArgs {
  rank: number;
  worldSize: number;
  rendezvous: string;
  batch: number;
  warmup: number;
  steps: number;
}

interface Measurement {
  /** Median seconds per optimizer step (the global batch). */
  median_s: number;
  /** The fastest step (the least disturbed by other load). */
  min_s: number;
  times_s: number[];
  /** Trainable floats, the all-reduced gradient's size. */
  gradient_floats: number;
  /** Median seconds of one all-reduce (mean) of that many floats alone; with 2 processes only. */
  allreduce_median_s?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Runs in each worker process: steps of the CPU preset on random data. */
async function worker(a: WorkerArgs): Promise<Measurement | null> {
  const dist = a.worldSize > 1 ? await import('@deepsc/distributed') : undefined;
  const group = dist
    ? await dist.initProcessGroup({
        rank: a.rank,
        worldSize: a.worldSize,
        rendezvous: { kind: 'file', path: a.rendezvous },
        timeoutMs: 120_000,
      })
    : undefined;
  const net = createDeepScCovid(presetConfig('cpu'), { seed: 0 });
  const inputs = randomStepInputs(net.config);
  const gradientFloats = net.model.trainableNames.reduce(
    (n, name) => n + net.model.parameter(name).data.length,
    0,
  );
  if (group) {
    await group.broadcastModel(net.model);
    group.attachGradients(net.model);
  }
  const local = a.batch / a.worldSize;
  const times: number[] = [];
  for (let i = 0; i < a.warmup + a.steps; i++) {
    if (group) await group.barrier(); // every rank starts the step together
    const t0 = performance.now();
    for (let j = 0; j < local; j++) {
      const last = j === local - 1;
      await trainingStep(
        net,
        inputs,
        local === 1 ? {} : { gradients: 'accumulate', step: last, syncGradients: last },
      );
    }
    if (i >= a.warmup) times.push((performance.now() - t0) / 1000);
  }
  let allreduce: number | undefined;
  if (group) {
    group.detachGradients(net.model);
    const g = new Float32Array(gradientFloats).fill(1);
    const t: number[] = [];
    for (let i = 0; i < 2 + a.steps; i++) {
      await group.barrier();
      const t0 = performance.now();
      await group.allReduce([g], 'mean');
      if (i >= 2) t.push((performance.now() - t0) / 1000);
    }
    allreduce = median(t);
    group.destroy();
  }
  net.model.dispose();
  if (a.rank !== 0) return null;
  return {
    median_s: median(times),
    min_s: Math.min(...times),
    times_s: times,
    gradient_floats: gradientFloats,
    ...(allreduce !== undefined ? { allreduce_median_s: allreduce } : {}),
  };
}

/** Runs one setup's processes and returns rank 0's measurement. */
async function run(s: Setup, warmup: number, steps: number): Promise<Measurement> {
  const rendezvous = mkdtempSync(join(tmpdir(), 'deepsc-bench-rdzv-'));
  try {
    const outs = await Promise.all(
      Array.from({ length: s.processes }, (_, rank) => {
        const args: WorkerArgs = { rank, worldSize: s.processes, rendezvous, batch: s.batch, warmup, steps };
        const p = spawn(
          process.execPath,
          [...process.execArgv, fileURLToPath(import.meta.url), '--worker', JSON.stringify(args)],
          {
            env: { ...process.env, DEEPSC_NUM_THREADS: String(s.threads) },
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        let out = '';
        p.stdout.on('data', (d) => {
          out += String(d);
        });
        return new Promise<string>((resolve, reject) =>
          p.on('exit', (code) =>
            code === 0 ? resolve(out) : reject(new Error(`${s.name}: rank ${rank} exited ${code}`)),
          ),
        );
      }),
    );
    return JSON.parse((outs[0] as string).trim().split('\n').pop() as string) as Measurement;
  } finally {
    rmSync(rendezvous, { recursive: true, force: true });
  }
}

/** Runs every setup, prints the table and writes the JSON. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const quick = argv.includes('--quick');
  const warmup = quick ? 1 : 2;
  const steps = quick ? 3 : 8;
  const rows = [];
  for (const s of SETUPS) {
    const m = await run(s, warmup, steps);
    rows.push({ ...s, ...m });
    console.log(
      `${s.name}: ${m.median_s.toFixed(3)} s per step of ${s.batch} scans (fastest ${m.min_s.toFixed(3)} s)` +
        (m.allreduce_median_s !== undefined
          ? ` (all-reduce of ${m.gradient_floats} floats alone: ${(m.allreduce_median_s * 1000).toFixed(2)} ms)`
          : ''),
    );
  }
  writeResult('train-distributed.json', {
    date: new Date().toISOString(),
    preset: 'cpu',
    optimizer: 'adam',
    warmup,
    steps,
    rows,
  });
}

runScript<WorkerArgs>(import.meta.url, main, worker);
