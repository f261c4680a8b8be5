/**
 * The GPU training-step benchmark: one DeepSC-COVID training step (forward of both streams,
 * the task-aware loss, backward, Adam with the paper's two learning rates) at the paper's sizes
 * on CUDA through @deepsc/core, against the PyTorch twin on CUDA with cuDNN
 * (benchmarks/peers/deepsc_train_step_torch.py --device cuda: fp32 with TF32 off, and with TF32
 * on; cudnn.benchmark on), side by side in one run. benchmarks/gpu/run.sh runs it.
 *
 *   node_modules/.bin/tsx --conditions=source benchmarks/gpu/train-step.ts [--preset paper|mid|cpu]
 *     [--warmup N] [--steps N] [--budget-s S] [--max-step-s S] [--torch-timeout-s S] [--python PATH]
 *     [--no-torch] [--out FILE]
 *     [--device cuda|cpu]   (cpu: both sides on the CPU, a check of this script where there is no GPU)
 *
 * The task-aware loss is inside the network's graph (packages/deepsc-covid/src/graph-loss.ts, the
 * one production loss), so the step stays on the device and only the loss's scalars come back.
 * (The first measurement, 269 ms against PyTorch's 103 ms on an H200, 186 ms of it host work,
 * had the loss in TypeScript on the copied-out outputs, its gradients copied back as seeds: a
 * path removed in issue 13. The JSON keeps `lossPath`, now always `graph`.)
 *
 * Timing: wall clock around each awaited step; the executor waits for the device at the end of
 * its forward, backward and optimizer calls, so each time is device-synchronised. A step of ours
 * includes the host work of the step as it is used in training: the region matrices and the
 * loss's inputs (labels, masks, factors) copied in; PyTorch computes its loss on the GPU. Each
 * figure is the median of the timed steps after warm-up; our side also reports the median time
 * of each phase (forward, backward and optimizer step, each with its copies; host = the rest).
 * A per-op GPU breakdown is not measured: the executor has no per-node timing hook (profile
 * with Nsight Systems for one).
 *
 * Peak memory, beside the times: on CUDA ours is the compiled model's arena + persistent
 * (parameters) bytes plus the optimizer state (`model.memory`, `nativeMemory().optimizer`),
 * PyTorch's torch.cuda.max_memory_allocated of each TF32 run (its parameters, gradients, Adam
 * state and activations); on the CPU, each side's process peak RSS.
 *
 * Sizes: `paper` (default) unless our first step there takes longer than --max-step-s (default
 * 20) or runs out of device memory: then it says so and uses `mid` (whole 48x128x128, half the
 * widths), and PyTorch runs the size ours ran. Steps are cut (never below one) to fit
 * --budget-s (default 40) for our side; PyTorch gets at most --torch-timeout-s (default 75).
 *
 * Writes benchmarks/results/gpu-train-step-<GPU>-<time>.json (atomically; copied to $OUT when
 * that names a folder). Exit status: 0 done; 1 a side failed (the JSON still records the
 * other); 2 no CUDA device (or an addon without CUDA); 64 a bad argument.
 * @module
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nativeMemory, Tensor } from '@deepsc/core';
import {
  createDeepScCovid,
  type DeepScCovidConfig,
  type DeepScCovidNetwork,
  presetConfig,
  type TrainingBatch,
  trainingStep,
} from '@deepsc/deepsc-covid';
import { loadBinding } from '@deepsc/native';
import { twinStepArgs } from '../src/peers/twin-args.js';
import { intOption, secondsOption, UsageError } from './options.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PEER = join(HERE, '..', 'peers', 'deepsc_train_step_torch.py');
const RESULTS = join(HERE, '..', 'results');

/** Sizes this benchmark runs, largest first (the fallback order). */
export const SIZES = {
  paper: presetConfig('paper'),
  mid: presetConfig('paper', {
    wholeSize: [48, 128, 128],
    patchSize: [24, 128, 128],
    stemWidth: 16,
    unetWidths: [16, 32, 64, 128],
    clsWidths: [32, 64, 128],
    groups: 4,
  }),
  cpu: presetConfig('cpu'),
} as const satisfies Record<string, DeepScCovidConfig>;
/** A size's name. */
export type SizeName = keyof typeof SIZES;

/** Parsed command line. */
export interface Options {
  preset: SizeName;
  warmup: number;
  steps: number;
  budgetS: number;
  maxStepS: number;
  /** Seconds the PyTorch process may take (both TF32 runs together). */
  torchTimeoutS: number;
  python: string;
  torch: boolean;
  /** `cuda` (the benchmark); `cpu` runs both sides on the CPU, to check this script where there is no GPU. */
  device: 'cuda' | 'cpu';
  out?: string;
}

/**
 * Reads the command line.
 * @throws UsageError naming the bad option and what is accepted.
 */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Options {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        preset: { type: 'string' },
        warmup: { type: 'string' },
        steps: { type: 'string' },
        'budget-s': { type: 'string' },
        'max-step-s': { type: 'string' },
        'torch-timeout-s': { type: 'string' },
        python: { type: 'string' },
        'no-torch': { type: 'boolean' },
        device: { type: 'string' },
        out: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const preset = (values.preset as string | undefined) ?? 'paper';
  if (!(preset in SIZES))
    throw new UsageError(`--preset is '${preset}', expected one of ${Object.keys(SIZES).join(', ')}`);
  const device = (values.device as string | undefined) ?? 'cuda';
  if (device !== 'cuda' && device !== 'cpu')
    throw new UsageError(
      `--device is '${device}', expected cuda (the benchmark) or cpu (a check of this script)`,
    );
  return {
    preset: preset as SizeName,
    device,
    warmup: intOption('warmup', values.warmup as string | undefined, 2, 0, 100),
    steps: intOption('steps', values.steps as string | undefined, 5, 1, 100),
    budgetS: secondsOption('budget-s', values['budget-s'] as string | undefined, 40),
    maxStepS: secondsOption('max-step-s', values['max-step-s'] as string | undefined, 20),
    torchTimeoutS: secondsOption('torch-timeout-s', values['torch-timeout-s'] as string | undefined, 75),
    python: (values.python as string | undefined) ?? env.DEEPSC_TORCH_PYTHON ?? 'python3',
    torch: !values['no-torch'],
    ...(values.out ? { out: values.out as string } : {}),
  };
}

/** Why CUDA cannot run here, or null when it can. */
export function cudaProblem(): string | null {
  const info = loadBinding().info();
  const state = `cudaBuilt=${info.cudaBuilt}, cudaDevices=[${info.cudaDevices.join('; ')}]`;
  if (!info.cudaBuilt)
    return `the @deepsc/native addon was built without CUDA (${state}); rebuild it with DEEPSC_CUDA=1 (node native/scripts/build-addon.mjs)`;
  if (info.cudaDevices.length === 0)
    return `no CUDA device is visible (${state}); this benchmark needs an NVIDIA GPU (driver loaded? CUDA_VISIBLE_DEVICES=${process.env.CUDA_VISIBLE_DEVICES ?? 'unset'})`;
  return null;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Our side's measurement. */
interface Ours {
  size: SizeName;
  median_s: number;
  times_s: number[];
  /** Median seconds per phase of the timed steps. */
  phases_s: { forward: number; backward: number; step: number; host: number };
  loss: number;
  arena_bytes: number;
  persistent_bytes: number;
  optimizer_bytes: number;
  /** Our peak device memory: arena + persistent (parameters) + optimizer state bytes. */
  peak_device_bytes: number;
  /** This process's peak RSS (VmHWM): our side's memory on the CPU. */
  peak_rss_bytes: number;
  compile_s: number;
}

function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

/** A batch like the CPU benchmark's: uniform inputs, a sparse mask, the patch in the middle half of depth. */
function batchFor(net: DeepScCovidNetwork): TrainingBatch {
  const c = net.config;
  const vol = (size: readonly number[], f: () => number) =>
    Tensor.from(Float32Array.from({ length: size.reduce((a, b) => a * b, 1) }, f), [1, 1, ...size]);
  const d = c.wholeSize[0];
  return {
    whole: vol(c.wholeSize, () => Math.random() * 2 - 1),
    patch: vol(c.patchSize, () => Math.random() * 2 - 1),
    lesionMask: vol(c.patchSize, () => (Math.random() > 0.8 ? 1 : 0)),
    region: { lo: [d / 4, 0, 0], hi: [d / 4 + d / 2, c.wholeSize[1], c.wholeSize[2]] },
    labels: [1],
  };
}

/** Thrown when a size's first step is over --max-step-s (try a smaller size). */
class TooSlow extends Error {}

/** Times our CUDA training step at one size. */
async function runOurs(size: SizeName, o: Options, say: (s: string) => void): Promise<Ours> {
  const t0 = performance.now();
  const net = createDeepScCovid(SIZES[size], { device: o.device, seed: 0 });
  const compileS = (performance.now() - t0) / 1000;
  const batch = batchFor(net);
  // Phase times: wrap the model's three calls on this instance (trainingStep calls each once).
  const m = net.model;
  const cur = { forward: 0, backward: 0, step: 0 };
  for (const k of ['forward', 'backward', 'step'] as const) {
    const orig = m[k].bind(m) as (...a: unknown[]) => Promise<unknown>;
    Object.defineProperty(m, k, {
      configurable: true,
      value: async (...a: unknown[]) => {
        const t = performance.now();
        try {
          return await orig(...a);
        } finally {
          cur[k] = (performance.now() - t) / 1000;
        }
      },
    });
  }
  try {
    const times: number[] = [];
    const phases: { forward: number; backward: number; step: number; host: number }[] = [];
    let loss = Number.NaN;
    let planned = o.warmup + o.steps;
    const start = performance.now();
    for (let i = 0; i < planned; i++) {
      const t = performance.now();
      const r = await trainingStep(net, batch);
      const dt = (performance.now() - t) / 1000;
      loss = r.loss.total;
      if (i === 0) {
        say(`ours, ${size}: compile ${compileS.toFixed(1)} s, first step ${dt.toFixed(2)} s`);
        if (dt > o.maxStepS)
          throw new TooSlow(`first step took ${dt.toFixed(1)} s (> --max-step-s ${o.maxStepS})`);
        // Fit the budget: warm-up as asked, at least one timed step.
        const fit = Math.floor((o.budgetS - (performance.now() - start) / 1000) / Math.max(dt, 1e-3));
        const timed = Math.max(1, Math.min(o.steps, fit - (o.warmup - 1)));
        if (timed < o.steps)
          say(`ours, ${size}: ${timed} timed step(s) instead of ${o.steps} to fit --budget-s ${o.budgetS}`);
        planned = o.warmup + timed;
      }
      if (i >= o.warmup) {
        times.push(dt);
        phases.push({ ...cur, host: dt - cur.forward - cur.backward - cur.step });
      }
    }
    const mem = nativeMemory();
    return {
      size,
      median_s: median(times),
      times_s: times,
      phases_s: {
        forward: median(phases.map((p) => p.forward)),
        backward: median(phases.map((p) => p.backward)),
        step: median(phases.map((p) => p.step)),
        host: median(phases.map((p) => p.host)),
      },
      loss,
      arena_bytes: m.memory.arenaBytes,
      persistent_bytes: m.memory.persistentBytes,
      optimizer_bytes: mem.optimizer,
      peak_device_bytes: m.memory.arenaBytes + m.memory.persistentBytes + mem.optimizer,
      peak_rss_bytes: peakRss(),
      compile_s: compileS,
    };
  } finally {
    for (const t of [batch.whole, batch.patch, batch.lesionMask]) t?.dispose();
    m.dispose();
  }
}

/** One PyTorch run (per TF32 setting) as the peer prints it. */
interface TorchRun {
  tf32: boolean;
  median_s: number;
  times_s: number[];
  loss: number;
  peak_gpu_bytes: number;
  /** The PyTorch process's peak RSS (ru_maxrss): its memory on the CPU. */
  peak_rss_bytes?: number;
}
interface TorchResult {
  gpu: string;
  torch: string;
  cuda: string;
  cudnn: number;
  runs: TorchRun[];
}

/** Runs the PyTorch twin on CUDA (TF32 off, then on) at `config`. @throws Error with the peer's stderr. */
function runTorch(config: DeepScCovidConfig, o: Options, timeoutS: number): TorchResult {
  const args = twinStepArgs(config, 4, o.warmup, o.steps);
  const r = spawnSync(o.python, [PEER, JSON.stringify(args), '--device', o.device, '--tf32', 'both'], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    timeout: Math.max(1, Math.round(timeoutS * 1000)),
    killSignal: 'SIGKILL',
    maxBuffer: 1 << 24,
  });
  if (r.error) throw new Error(`PyTorch twin (${o.python}): ${r.error.message}`);
  if (r.signal)
    throw new Error(`PyTorch twin killed by ${r.signal} (timeout ${timeoutS} s?): ${r.stderr.slice(-2000)}`);
  if (r.status !== 0) throw new Error(`PyTorch twin failed (status ${r.status}): ${r.stderr.slice(-4000)}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let parsed: TorchResult & TorchRun;
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new Error(`PyTorch twin printed no JSON line: ${r.stdout.slice(-2000)}`);
  }
  if (o.device === 'cuda') return parsed;
  // The CPU peer prints one run in its own format.
  return {
    gpu: 'cpu',
    torch: parsed.torch,
    cuda: '-',
    cudnn: 0,
    runs: [{ ...parsed, tf32: false, peak_gpu_bytes: 0 }],
  };
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const sec = (s: number) => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(3)} s`);

/** Runs the benchmark; returns the exit status. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const say = (s: string) => console.log(`[gpu/train-step] ${s}`);
  let o: Options;
  try {
    o = parseOptions(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`gpu/train-step.ts: ${e.message}`);
    return 64;
  }
  const problem = o.device === 'cuda' ? cudaProblem() : null;
  if (problem) {
    console.error(`gpu/train-step.ts: ERROR: ${problem}`);
    return 2;
  }
  const gpu = o.device === 'cuda' ? (loadBinding().info().cudaDevices[0] as string) : 'cpu (script check)';
  say(`GPU: ${gpu}`);
  const order = Object.keys(SIZES) as SizeName[];
  let ours: Ours | undefined;
  let oursError: string | undefined;
  const fallbacks: string[] = [];
  for (let i = order.indexOf(o.preset); i < order.length && !ours; i++) {
    const size = order[i] as SizeName;
    try {
      ours = await runOurs(size, o, say);
    } catch (e) {
      const msg = (e as Error).message;
      const memory = /out of memory|cudaErrorMemoryAllocation/i.test(msg);
      if ((e instanceof TooSlow || memory) && i + 1 < order.length) {
        const why = `${size}: ${e instanceof TooSlow ? msg : `out of device memory (${msg})`}; using ${order[i + 1]}`;
        fallbacks.push(why);
        say(why);
        continue;
      }
      oursError = `${size}: ${msg}`;
      say(`ERROR: our step failed at ${oursError}`);
      break;
    }
  }
  const size = ours?.size ?? o.preset;
  let torch: TorchResult | undefined;
  let torchError: string | undefined;
  if (o.torch) {
    say(
      `PyTorch twin (${o.python}) at ${size}${o.device === 'cuda' ? ': TF32 off, then on' : ', on the CPU'}`,
    );
    try {
      torch = runTorch(SIZES[size], o, o.torchTimeoutS);
    } catch (e) {
      torchError = (e as Error).message;
      say(`ERROR: ${torchError}`);
    }
  }
  const f32 = torch?.runs.find((r) => !r.tf32);
  const t32 = torch?.runs.find((r) => r.tf32);
  const c = SIZES[size];
  const onGpu = o.device === 'cuda';
  const rows: [string, string, string, string, string][] = [
    ['', 'median step', 'steps', 'ours / this (time)', onGpu ? 'peak device memory' : 'peak RSS'],
  ];
  if (ours)
    rows.push([
      `${onGpu ? 'ours (CUDA, fp32 FMA' : 'ours (CPU'}, loss in graph)`,
      sec(ours.median_s),
      String(ours.times_s.length),
      '1.00',
      mib(onGpu ? ours.peak_device_bytes : ours.peak_rss_bytes),
    ]);
  for (const [name, r] of [
    [onGpu ? 'PyTorch + cuDNN, fp32 (TF32 off)' : 'PyTorch (CPU)', f32],
    ['PyTorch + cuDNN, TF32 on', t32],
  ] as const)
    if (r)
      rows.push([
        name,
        sec(r.median_s),
        String(r.times_s.length),
        ours ? (ours.median_s / r.median_s).toFixed(2) : '-',
        mib(onGpu ? r.peak_gpu_bytes : (r.peak_rss_bytes ?? 0)),
      ]);
  const widths = [0, 1, 2, 3, 4].map((k) => Math.max(...rows.map((r) => r[k]?.length ?? 0)));
  console.log(
    `\nDeepSC-COVID training step at ${size}: whole ${c.wholeSize.join('x')}, patch ${c.patchSize.join('x')}, ` +
      `stem ${c.stemWidth}, U-Net ${c.unetWidths.join('-')}, classifier ${c.clsWidths.join('-')}, groups ${c.groups}; GPU ${gpu}`,
  );
  for (const r of rows) console.log(`  ${r.map((x, k) => x.padEnd(widths[k] as number)).join('  ')}`);
  if (ours) {
    const p = ours.phases_s;
    console.log(
      `  ours by phase (medians): forward ${sec(p.forward)}, backward ${sec(p.backward)}, optimizer ${sec(p.step)}, ` +
        `host (region matrices, loss inputs) ${sec(p.host)}`,
    );
    console.log(
      `  memory: our arena ${mib(ours.arena_bytes)} + parameters ${mib(ours.persistent_bytes)} + optimizer ${mib(ours.optimizer_bytes)}` +
        (f32 && onGpu
          ? `; PyTorch peak allocated ${mib(f32.peak_gpu_bytes)} (fp32), ${t32 ? mib(t32.peak_gpu_bytes) : '-'} (TF32)`
          : ''),
    );
  }
  // peak memory: ours (arena + parameters + optimizer state) against PyTorch's peak allocation
  // (parameters, gradients, Adam state and activations) at the same precision; RSS on the CPU
  const memRatio = (r: TorchRun | undefined) =>
    ours && r
      ? onGpu
        ? ours.peak_device_bytes / r.peak_gpu_bytes
        : ours.peak_rss_bytes / (r.peak_rss_bytes ?? Number.NaN)
      : undefined;
  const memFp32 = memRatio(f32);
  if (memFp32 !== undefined)
    console.log(
      `  peak memory, ours / PyTorch fp32: ${memFp32.toFixed(2)}x (${onGpu ? 'our arena + parameters + optimizer state against torch.cuda.max_memory_allocated' : "each process's peak RSS"})`,
    );
  const ratio = ours && f32 ? ours.median_s / f32.median_s : undefined;
  if (ratio !== undefined)
    console.log(
      `  target: ours at most 2x PyTorch's fp32 time: ${ratio.toFixed(2)}x, ${ratio <= 2 ? 'met' : 'NOT met'}`,
    );
  for (const f of fallbacks) console.log(`  size fallback: ${f}`);
  if (torch) console.log(`  PyTorch ${torch.torch}, CUDA ${torch.cuda}, cuDNN ${torch.cudnn}`);

  const now = new Date();
  const slug = gpu.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const out =
    o.out ?? join(RESULTS, `gpu-train-step-${slug}-${now.toISOString().replace(/[:.]/g, '-')}.json`);
  const doc = {
    benchmark: 'gpu-train-step',
    date: now.toISOString(),
    gpu,
    device: o.device,
    lossPath: 'graph',
    size,
    config: c,
    fallbacks,
    precision:
      'fp32 tensors; ours: fp32 FMA CUDA kernels, no tensor cores; PyTorch with cuDNN timed with TF32 off (true fp32) and on',
    timing:
      `wall clock per step, device-synchronised (ours: the executor syncs at the end of forward, backward and step; ` +
      `PyTorch: torch.cuda.synchronize before and after); median of ${o.steps} after ${o.warmup} warm-up (ours may be cut to fit --budget-s); cudnn.benchmark on`,
    perOpBreakdown: 'not measured: the executor has no per-node timing hook (phases only)',
    ours: ours ?? null,
    oursError: oursError ?? null,
    torch: torch ?? null,
    torchError: o.torch ? (torchError ?? null) : 'not run (--no-torch)',
    oursOverTorchFp32Time: ratio ?? null,
    oursOverTorchTf32Time: ours && t32 ? ours.median_s / t32.median_s : null,
    memory: onGpu
      ? 'ours.peak_device_bytes = arena + persistent (parameters) + optimizer state; PyTorch runs[].peak_gpu_bytes = torch.cuda.max_memory_allocated'
      : "peak RSS of each side's process (ours.peak_rss_bytes, torch.runs[].peak_rss_bytes)",
    oursOverTorchFp32PeakMemory: memFp32 ?? null,
    oursOverTorchTf32PeakMemory: memRatio(t32) ?? null,
  };
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(tmp, out);
  say(`wrote ${out}`);
  const dest = process.env.OUT;
  if (dest && existsSync(dest) && statSync(dest).isDirectory()) {
    copyFileSync(out, join(dest, basename(out)));
    say(`copied it to $OUT (${dest})`);
  }
  return oursError || torchError ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
