/**
 * Training memory of DeepSC-COVID at the paper preset (whole 48x256x256, patch 24x256x256,
 * widths 32-256, Adam, the full task-aware loss), ours against the PyTorch twin, side by side in
 * one run: each side in its own process (so peak RSS is that run's), 2 threads each. Ours runs
 * under each memory plan asked for (`--plans`, default `default,recompute`: the engine's default
 * plan, and the same with recomputed segments; also `conservative`, `no-cheap-recompute`, `recompute-unet`); the twin under PyTorch 2.13 (`--python`, default /tmp/torch213/bin/python
 * when present, else Debian's /usr/bin/python3). Then `--fit` plans (compile only, no step) the
 * largest whole-scan / patch sizes whose predicted peak RSS stays within a budget (default
 * 8 GiB). Writes a table and benchmarks/results/memory.json.
 *
 *   npx tsx --conditions=source benchmarks/src/memory.ts [--steps N] [--no-torch] [--fit] [--budget-gib G]
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemoryPlanOptions, ModelMemory } from '@deepsc/core';
import { createDeepScCovid, type DeepScCovidConfig, presetConfig, trainingStep } from '@deepsc/deepsc-covid';
import { twinStepArgs } from './peers/twin-args.js';
import { randomStepInputs } from './random-step-inputs.js';
import { runScript, writeResult } from './script-io.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PEERS = join(HERE, '..', 'peers');

/**
 * The `recompute` plan: both stems and the U-Net's first encoder level (the largest
 * activations per FLOP recomputed: 18 nodes, about 290 MiB of arena at the paper preset before
 * cheap recomputation; with it the default plan is smaller than this one: README, run 5).
 */
export const RECOMPUTE_SEGMENTS = ['stem_whole', 'stem_patch', 'lesion.enc1'];

/** The `recompute-unet` plan: the stems and every level of the lesion U-Net (the U-Net's forward twice). */
export const RECOMPUTE_UNET = [
  ...RECOMPUTE_SEGMENTS,
  'lesion.enc2',
  'lesion.enc3',
  'lesion.enc4',
  'lesion.dec1',
  'lesion.dec2',
  'lesion.dec3',
];

const PLANS: Record<string, MemoryPlanOptions> = {
  conservative: { declaredReads: false, inPlace: false },
  default: {},
  'no-cheap-recompute': { recomputeCheap: false },
  recompute: { recompute: RECOMPUTE_SEGMENTS },
  'recompute-unet': { recompute: RECOMPUTE_UNET },
};

interface OursResult {
  plan: string;
  times_s: number[];
  peak_rss_bytes: number;
  memory: ModelMemory;
}

const mib = (b: number) => (b / 2 ** 20).toFixed(0);

function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

/** In the worker process: `steps` training steps of ours on random data under `plan`. */
async function ours(config: DeepScCovidConfig, plan: string, steps: number): Promise<OursResult> {
  const net = createDeepScCovid(config, { seed: 0, memoryPlan: PLANS[plan] as MemoryPlanOptions });
  const inputs = randomStepInputs(net.config);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await trainingStep(net, inputs);
    times.push((performance.now() - t0) / 1000);
  }
  return { plan, times_s: times, peak_rss_bytes: peakRss(), memory: net.model.memory };
}

function runOurs(config: DeepScCovidConfig, plan: string, steps: number): OursResult {
  const r = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      '--worker',
      JSON.stringify({ config, plan, steps }),
    ],
    { encoding: 'utf8', env: { ...process.env, DEEPSC_NUM_THREADS: '2' }, maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`our worker (${plan}) failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as OursResult;
}

interface TorchResult {
  times_s: number[];
  peak_rss_bytes: number;
  torch: string;
}

function runTorch(python: string, config: DeepScCovidConfig, steps: number): TorchResult {
  const r = spawnSync(
    python,
    [join(PEERS, 'deepsc_train_step_torch.py'), JSON.stringify(twinStepArgs(config, 2, 0, steps))],
    {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '2', MKL_NUM_THREADS: '2' },
      maxBuffer: 1 << 24,
    },
  );
  if (r.status !== 0) throw new Error(`PyTorch twin failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as TorchResult;
}

/** Predicted peak RSS of a training step at `config` under `plan`: the plan's arena plus what the run at the paper preset held besides it. */
function predictRss(config: DeepScCovidConfig, plan: MemoryPlanOptions, overhead: number) {
  const net = createDeepScCovid(config, { seed: 0, optimizer: null, memoryPlan: plan });
  const m = net.model.memory;
  net.model.dispose();
  // Adam keeps two moments per parameter; the overhead (runtime, inputs, outputs) is measured.
  return { arena: m.arenaBytes, rss: m.arenaBytes + 3 * m.persistentBytes + overhead };
}

/** The largest sizes of the paper's family (whole D x S x S, patch D/2 x S x S) within `budget`, per plan. */
function fit(budget: number, overhead: number) {
  const sizes = [256, 320, 384, 448, 512, 576, 640, 704, 768, 832, 896];
  const rows = [];
  for (const [name, plan] of Object.entries(PLANS)) {
    if (name === 'conservative') continue;
    for (const depth of [48, 64, 96]) {
      let best: { size: number; rss: number } | null = null;
      for (const s of sizes) {
        const config = presetConfig('paper', { wholeSize: [depth, s, s], patchSize: [depth / 2, s, s] });
        const p = predictRss(config, plan, overhead);
        if (p.rss > budget) break;
        best = { size: s, rss: p.rss };
      }
      rows.push({ plan: name, depth, largest: best });
      console.log(
        `  ${name}: whole ${depth}xSxS / patch ${depth / 2}xSxS: largest S within budget ${best ? `${best.size === sizes[sizes.length - 1] ? 'at least ' : ''}${best.size} (predicted ${mib(best.rss)} MiB)` : 'none of the sizes tried'}`,
      );
    }
  }
  return rows;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const steps = Number(arg('--steps') ?? 2);
  const plans = (arg('--plans') ?? 'default,recompute').split(',');
  const python =
    arg('--python') ??
    (existsSync('/tmp/torch213/bin/python') ? '/tmp/torch213/bin/python' : '/usr/bin/python3');
  const config = presetConfig('paper');
  const result: Record<string, unknown> = { date: new Date().toISOString(), threads: 2, steps, config };
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const oursRows: OursResult[] = [];
  for (const plan of plans) {
    const o = runOurs(config, plan, steps);
    oursRows.push(o);
    console.log(
      `ours (${plan}): peak RSS ${mib(o.peak_rss_bytes)} MiB, arena ${mib(o.memory.arenaBytes)} MiB (peak at ${o.memory.peakStep}), steps ${o.times_s.map((t) => t.toFixed(1)).join(', ')} s; load ${load()}`,
    );
  }
  result.ours = oursRows;
  if (!argv.includes('--no-torch')) {
    const t = runTorch(python, config, steps);
    result.torch = t;
    console.log(
      `PyTorch ${t.torch}: peak RSS ${mib(t.peak_rss_bytes)} MiB, steps ${t.times_s.map((x) => x.toFixed(1)).join(', ')} s; load ${load()}`,
    );
    for (const o of oursRows)
      console.log(
        `  ${o.plan}: our peak RSS / PyTorch's = ${(o.peak_rss_bytes / t.peak_rss_bytes).toFixed(2)}x`,
      );
  }
  if (argv.includes('--fit')) {
    const budget = Number(arg('--budget-gib') ?? 8) * 2 ** 30;
    const ref = oursRows[0];
    // What the measured run held besides the arena and parameters + Adam state.
    const overhead = ref
      ? ref.peak_rss_bytes - ref.memory.arenaBytes - 3 * ref.memory.persistentBytes
      : 300 * 2 ** 20;
    console.log(
      `largest sizes within ${mib(budget)} MiB (ours: planned arena + 3x parameters + ${mib(overhead)} MiB measured overhead):`,
    );
    result.fit = { budget_bytes: budget, overhead_bytes: overhead, rows: fit(budget, overhead) };
  }
  writeResult('memory.json', result);
}

runScript<{ config: DeepScCovidConfig; plan: string; steps: number }>(
  import.meta.url,
  main,
  ({ config, plan, steps }) => ours(config, plan, steps),
);
