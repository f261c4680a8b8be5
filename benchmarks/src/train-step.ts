/**
 * One DeepSC-COVID training step (forward, task-aware loss, backward, Adam with the paper's two
 * learning rates) in @deepsc/core against its PyTorch twin (benchmarks/peers/, Debian's
 * python3-torch, 2 threads), at the CPU preset and at a mid size, side by side in one run.
 * Each side runs in its own process per size so peak RSS is that size's; each figure is the
 * median of several steps after warm-up. Writes a table and benchmarks/results/train-step.json.
 *
 *   npx tsx --conditions=source benchmarks/src/train-step.ts [--quick]
 * @module
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDeepScCovid, type DeepScCovidConfig, presetConfig, trainingStep } from '@deepsc/deepsc-covid';
import { twinStepArgs } from './peers/twin-args.js';
import { randomStepInputs } from './random-step-inputs.js';
import { runScript, writeResult } from './script-io.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PEERS = join(HERE, '..', 'peers');

/** A benchmarked size. */
interface Case {
  name: string;
  config: DeepScCovidConfig;
}

const CASES: Case[] = [
  { name: 'cpu preset (32x64x64 / 16x64x64, widths 8-64)', config: presetConfig('cpu') },
  {
    name: 'mid (48x128x128 / 24x128x128, widths 16-128)',
    config: presetConfig('cpu', {
      wholeSize: [48, 128, 128],
      patchSize: [24, 128, 128],
      stemWidth: 16,
      unetWidths: [16, 32, 64, 128],
      clsWidths: [32, 64, 128],
    }),
  },
];

/** One side's measurement. */
interface Measurement {
  median_s: number;
  times_s: number[];
  peak_rss_bytes: number;
  arena_bytes?: number;
  persistent_bytes?: number;
  /** Ours: where the plan peaks and the largest buffer live there. */
  peak_step?: string;
  largest_at_peak?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

/** Runs in the worker process: our training step on random data. */
async function ours(config: DeepScCovidConfig, warmup: number, steps: number): Promise<Measurement> {
  const net = createDeepScCovid(config, { seed: 0 });
  const inputs = randomStepInputs(net.config);
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    await trainingStep(net, inputs);
    if (i >= warmup) times.push((performance.now() - t0) / 1000);
  }
  return {
    median_s: median(times),
    times_s: times,
    peak_rss_bytes: peakRss(),
    arena_bytes: net.model.memory.arenaBytes,
    persistent_bytes: net.model.memory.persistentBytes,
    peak_step: net.model.memory.peakStep,
    largest_at_peak: net.model.memory.largestAtPeak[0]?.what ?? '',
  };
}

function runOurs(config: DeepScCovidConfig, warmup: number, steps: number): Measurement {
  const r = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      '--worker',
      JSON.stringify({ config, warmup, steps }),
    ],
    { encoding: 'utf8', env: { ...process.env, DEEPSC_NUM_THREADS: '2' }, maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`our worker failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Measurement;
}

function runTorch(config: DeepScCovidConfig, warmup: number, steps: number): Measurement {
  const args = twinStepArgs(config, 2, warmup, steps);
  const r = spawnSync('/usr/bin/python3', [join(PEERS, 'deepsc_train_step_torch.py'), JSON.stringify(args)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '2', MKL_NUM_THREADS: '2' },
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`PyTorch twin failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Measurement;
}

const mib = (b: number) => (b / 2 ** 20).toFixed(0);

/** Runs every case on both sides, prints the table and writes the JSON. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const quick = argv.includes('--quick');
  const warmup = quick ? 1 : 2;
  const steps = quick ? 2 : 5;
  const cases = quick ? CASES.slice(0, 1) : CASES;
  const rows = [];
  for (const c of cases) {
    const o = runOurs(c.config, warmup, steps);
    const t = runTorch(c.config, warmup, steps);
    rows.push({
      case: c.name,
      config: c.config,
      ours: o,
      torch: t,
      speed_ratio: t.median_s / o.median_s,
      rss_ratio: t.peak_rss_bytes / o.peak_rss_bytes,
    });
    console.log(
      `${c.name}\n  step: ours ${o.median_s.toFixed(3)} s, PyTorch ${t.median_s.toFixed(3)} s, speed ratio ${(t.median_s / o.median_s).toFixed(2)}x` +
        `\n  memory: our arena ${mib(o.arena_bytes ?? 0)} MiB + parameters ${mib(o.persistent_bytes ?? 0)} MiB, our peak RSS ${mib(o.peak_rss_bytes)} MiB, PyTorch peak RSS ${mib(t.peak_rss_bytes)} MiB (ours ${(o.peak_rss_bytes / t.peak_rss_bytes).toFixed(2)}x)` +
        `\n  our plan peaks at ${o.peak_step}; largest there: ${o.largest_at_peak}`,
    );
  }
  writeResult('train-step.json', { date: new Date().toISOString(), threads: 2, warmup, steps, rows });
}

runScript<{ config: DeepScCovidConfig; warmup: number; steps: number }>(
  import.meta.url,
  main,
  ({ config, warmup, steps }) => ours(config, warmup, steps),
);
