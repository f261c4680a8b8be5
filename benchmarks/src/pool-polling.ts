/**
 * The thread pool's polling (DEEPSC_POOL_SPIN_US, docs/architecture.md "Threading and
 * determinism") on DeepSC-COVID's training step at the CPU preset: pairs of fresh processes,
 * one with polling off (0) and one with the default, in alternating order, each timing the
 * median of its steps after warm-up. Writes benchmarks/results/pool-polling.json.
 *
 *     npx tsx --conditions=source src/pool-polling.ts [--pairs N] [--steps N]
 * @module
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDeepScCovid, presetConfig, trainingStep } from '@deepsc/deepsc-covid';
import { randomStepInputs } from './random-step-inputs.js';
import { runScript, writeResult } from './script-io.js';
import { median } from './stats.js';

interface WorkerArgs {
  steps: number;
  warmup: number;
}

interface Measurement {
  medianMs: number;
  minMs: number;
}

async function worker({ steps, warmup }: WorkerArgs): Promise<Measurement> {
  const net = createDeepScCovid(presetConfig('cpu'), { seed: 0 });
  const inputs = randomStepInputs(net.config);
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    await trainingStep(net, inputs);
    if (i >= warmup) times.push(performance.now() - t0);
  }
  return { medianMs: median(times), minMs: Math.min(...times) };
}

function runWorker(spinUs: string | null, args: WorkerArgs): Measurement {
  const env: NodeJS.ProcessEnv = { ...process.env, DEEPSC_NUM_THREADS: '2' };
  if (spinUs === null) delete env.DEEPSC_POOL_SPIN_US;
  else env.DEEPSC_POOL_SPIN_US = spinUs;
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--worker', JSON.stringify(args)],
    { encoding: 'utf8', env, maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`worker failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Measurement;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { pairs: { type: 'string', default: '6' }, steps: { type: 'string', default: '10' } },
  });
  const pairs = Number(values.pairs);
  const steps = Number(values.steps);
  for (const [name, v] of [
    ['--pairs', pairs],
    ['--steps', steps],
  ] as const)
    if (!Number.isInteger(v) || v < 1 || v > 1000)
      throw new RangeError(`${name} must be an integer in [1, 1000]`);
  const args: WorkerArgs = { steps, warmup: 4 };
  const loadBefore = loadavg();
  const rows: { order: string; off: Measurement; on: Measurement }[] = [];
  for (let p = 0; p < pairs; p++) {
    const offFirst = p % 2 === 0;
    const a = runWorker(offFirst ? '0' : null, args);
    const b = runWorker(offFirst ? null : '0', args);
    const row = { order: offFirst ? 'off, on' : 'on, off', off: offFirst ? a : b, on: offFirst ? b : a };
    rows.push(row);
    console.log(
      `pair ${p + 1} (${row.order}): polling off ${row.off.medianMs.toFixed(1)} ms (min ${row.off.minMs.toFixed(1)}),` +
        ` on ${row.on.medianMs.toFixed(1)} ms (min ${row.on.minMs.toFixed(1)}), on/off ${(row.on.medianMs / row.off.medianMs).toFixed(3)}`,
    );
  }
  const ratios = rows.map((r) => r.on.medianMs / r.off.medianMs);
  console.log(
    `median on/off ${median(ratios).toFixed(3)}; on faster in ${ratios.filter((r) => r < 1).length} of ${pairs} pairs`,
  );
  writeResult('pool-polling.json', {
    date: new Date().toISOString(),
    preset: 'cpu',
    threads: 2,
    steps,
    warmup: args.warmup,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg(),
    rows,
    medianRatioOnOff: median(ratios),
  });
}

runScript<WorkerArgs>(import.meta.url, main, worker);
