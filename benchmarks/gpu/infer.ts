/**
 * The inference benchmark: scans per minute of DeepSC-COVID's whole-scan prediction, ours
 * (`predict` of @deepsc/deepsc-covid on a network compiled for inference on `--device`, core's
 * sliding-window inferer) against the PyTorch twin's sliding window (benchmarks/peers/
 * deepsc_infer_torch.py: a plain loop over the same window grid with the same Gaussian
 * blending, torch.inference_mode, batched windows), side by side in one run, with the peak
 * memory of each side. benchmarks/gpu/run.sh runs it on a GPU.
 *
 *   node_modules/.bin/tsx --conditions=source benchmarks/gpu/infer.ts [--device cuda|cpu]
 *     [--quick] [--preset paper|cpu] [--warmup N] [--scans N] [--overlap F] [--budget-s S]
 *     [--case-timeout-s S] [--python PATH] [--no-torch] [--out FILE]
 *
 * The scan: a synthetic one of the network's whole-scan size (paper preset: 48x256x256, what
 * `predict` resamples any scan to; uniform values in [-1, 1], as a preprocessed scan), so
 * neither side resamples; the patch grid is the whole-scan grid (`predict`'s default), so the
 * paper preset's windows of 24x256x256 at overlap 0.5 are 3 per scan (starts 0, 12, 24 in depth).
 *
 * Cases, each side in a process of its own per case (so a CPU run's peak RSS is the case's):
 * - `joint` (the paper's network), 1 window per call: the joint variants' windows each carry
 *   their own region of the scan (the cross-stitch's crop / paste), so their inference graph
 *   takes one window per call on both sides (`maxWindowBatch` 1);
 * - `segmentation-only` with windowBatch 1 and 4 (its graph compiled for 4 windows; the paper
 *   grid's 3 windows fill one call, padded to 4 on our side, 3 in PyTorch's).
 * Precisions: on CUDA, ours at each precision the engine accepts (`info().cudaPrecisions`: fp32,
 * plus tf32 / bf16 in a DEEPSC_CUDA_LOWP engine), PyTorch in fp32 (TF32 off), TF32 and bf16
 * autocast (cudnn.benchmark on); on the CPU, fp32 on both sides (2 threads each).
 *
 * Timing: wall clock of each scan's prediction, results on the host (ours: `predict` returns
 * host arrays; PyTorch: torch.cuda.synchronize after the copy), median of --scans after
 * --warmup; scans per minute = 60 / median. Memory: on CUDA ours is the inference graph's
 * planned peak (`model.memory`: arena + persistent bytes; the inferer's host buffers are not on
 * the device), PyTorch's is torch.cuda.max_memory_allocated; on the CPU, each process's peak RSS
 * (VmHWM; the ru_maxrss of PyTorch's), which includes the runtime itself.
 *
 * Checks: both sides must run the same windows (PyTorch's grid against core's `windowGrid`),
 * every prediction must be finite, and the two must agree: per case, our fp32 worker also
 * predicts a scan with a `tiny`-preset network of the case's variant and window batch and saves
 * its weights; the twin loads them, predicts the same scan (fp32, TF32 off), and the class
 * probabilities, lesion probabilities and evidence maps must match within
 * {@link CHECK_TOLERANCE}. A case that fails any check is reported as failed.
 * Writes benchmarks/results/gpu-infer-<GPU>-<time>.json on CUDA (atomically; copied to $OUT when
 * that names a folder), on the CPU only with --out. Exit status: 0 every case ran on both sides;
 * 1 a case failed on a side, or was skipped because --budget-s was spent (the others still run
 * and are recorded); 2 a bad argument, or --device cuda without a CUDA device.
 * @module
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { windowGrid } from '@deepsc/core';
import {
  createDeepScCovid,
  type DeepScCovidConfig,
  type PresetName,
  predict,
  presetConfig,
  type Variant,
} from '@deepsc/deepsc-covid';
import { loadBinding } from '@deepsc/native';
import { twinNetworkArgs } from '../src/peers/twin-args.js';
import { intOption, numberOption, UsageError } from './options.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PEER = join(HERE, '..', 'peers', 'deepsc_infer_torch.py');
const RESULTS = join(HERE, '..', 'results');

/** One configuration both sides run. */
export interface InferCase {
  variant: Variant;
  windowBatch: number;
}
/** The cases, in run order. */
export const CASES: readonly InferCase[] = [
  { variant: 'joint', windowBatch: 1 },
  { variant: 'segmentation-only', windowBatch: 1 },
  { variant: 'segmentation-only', windowBatch: 4 },
];
type Precision = 'fp32' | 'tf32' | 'bf16';
const PRESETS = ['paper', 'cpu'] as const;
/** CPU threads of each side on `--device cpu`. */
const CPU_THREADS = 2;

/** Parsed command line. */
export interface Options {
  device: 'cuda' | 'cpu';
  preset: (typeof PRESETS)[number];
  warmup: number;
  scans: number;
  overlap: number;
  /** Seconds for the whole run; cases left when it is spent are skipped (and say so). */
  budgetS: number;
  /** Seconds one side's process may take for one case. */
  caseTimeoutS: number;
  python: string;
  torch: boolean;
  out?: string;
}

/**
 * Reads the command line. `--quick`: the `cpu` preset, 1 warm-up scan, 2 timed (a check of
 * the whole benchmark in well under a minute on 2 cores).
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
        device: { type: 'string' },
        quick: { type: 'boolean' },
        preset: { type: 'string' },
        warmup: { type: 'string' },
        scans: { type: 'string' },
        overlap: { type: 'string' },
        'budget-s': { type: 'string' },
        'case-timeout-s': { type: 'string' },
        python: { type: 'string' },
        'no-torch': { type: 'boolean' },
        out: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const device = (values.device as string | undefined) ?? 'cuda';
  if (device !== 'cuda' && device !== 'cpu')
    throw new UsageError(`--device is '${device}', expected cuda or cpu`);
  const quick = values.quick === true;
  const preset = (values.preset as string | undefined) ?? (quick ? 'cpu' : 'paper');
  if (!(PRESETS as readonly string[]).includes(preset))
    throw new UsageError(`--preset is '${preset}', expected one of ${PRESETS.join(', ')}`);
  const seconds = (n: number) => Number.isFinite(n) && n > 0 && n <= 3600;
  return {
    device,
    preset: preset as Options['preset'],
    warmup: intOption('warmup', values.warmup as string | undefined, 1, 0, 100),
    scans: intOption('scans', values.scans as string | undefined, quick ? 2 : 5, 1, 100),
    overlap: numberOption(
      'overlap',
      values.overlap as string | undefined,
      0.5,
      (n) => n >= 0 && n < 1,
      'a number in [0, 1)',
    ),
    budgetS: numberOption(
      'budget-s',
      values['budget-s'] as string | undefined,
      150,
      seconds,
      'seconds in (0, 3600]',
    ),
    caseTimeoutS: numberOption(
      'case-timeout-s',
      values['case-timeout-s'] as string | undefined,
      60,
      seconds,
      'seconds in (0, 3600]',
    ),
    python: (values.python as string | undefined) ?? env.DEEPSC_TORCH_PYTHON ?? '/usr/bin/python3',
    torch: values['no-torch'] !== true,
    ...(values.out ? { out: values.out as string } : {}),
  };
}

/** The configuration of one case at a preset. */
function caseConfig(preset: PresetName, c: InferCase): DeepScCovidConfig {
  return presetConfig(preset, { variant: c.variant, batch: c.windowBatch });
}

/** The window starts both sides must run for a case (core's grid on the whole-scan grid). */
export function expectedStarts(config: DeepScCovidConfig, overlap: number): number[][] {
  const window = config.variant === 'classification-only' ? config.wholeSize : config.patchSize;
  return windowGrid(config.wholeSize, window, overlap).map((s) => [...s]);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

/** What our worker process is asked to run. */
interface WorkerArgs {
  preset: PresetName;
  case: InferCase;
  device: 'cuda' | 'cpu';
  precision: Precision;
  warmup: number;
  scans: number;
  overlap: number;
  /** Where to write the agreement check's case (JSON; its weights beside it), or absent. */
  check?: string;
}
/** Our side's measurement of one case at one precision. */
interface OursRun {
  precision: Precision;
  median_s: number;
  times_s: number[];
  scans_per_min: number;
  /** Median seconds a scan spends in the network's forward calls (device work and copies). */
  forward_s: number;
  /** Median seconds a scan spends outside them (host: resampling, region matrices, blending). */
  host_s: number;
  windows: number;
  compile_s: number;
  arena_bytes: number;
  persistent_bytes: number;
  peak_rss_bytes: number;
}

/** The agreement check's preset: small enough to cost a second, the same window structure (3 windows). */
const CHECK_PRESET: PresetName = 'tiny';
/** Largest difference allowed between the two sides' fp32 predictions in the agreement check. */
export const CHECK_TOLERANCE = 1e-4;

/** The predictions the agreement check compares, flattened. */
export interface CheckPrediction {
  probs?: number[];
  lesion?: number[];
  evidence?: number[];
}

/**
 * Writes the agreement check's case to `path`: a small network of the case's variant and window
 * batch (its weights saved beside it, the twin's names), a scan, and our fp32 prediction.
 */
async function writeCheck(a: WorkerArgs, path: string): Promise<void> {
  const config = caseConfig(CHECK_PRESET, a.case);
  const net = createDeepScCovid(config, { mode: 'infer', device: a.device, seed: 7, optimizer: null });
  try {
    const c = net.config;
    const scan = Float32Array.from({ length: c.wholeSize[0] * c.wholeSize[1] * c.wholeSize[2] }, (_, i) =>
      Math.sin(i * 0.37),
    );
    const p = await predict(net, { data: scan, shape: c.wholeSize }, { overlap: a.overlap });
    const weights = `${path}.safetensors`;
    await net.model.save(weights);
    const ours: CheckPrediction = {
      ...(p.classProbabilities ? { probs: p.classProbabilities } : {}),
      ...(p.lesion ? { lesion: Array.from(p.lesion.data) } : {}),
      ...(p.evidence ? { evidence: Array.from(p.evidence.data) } : {}),
    };
    writeFileSync(
      path,
      JSON.stringify({
        whole: c.wholeSize,
        patch: c.patchSize,
        stem: c.stemWidth,
        unet: c.unetWidths,
        cls: c.clsWidths,
        groups: c.groups,
        variant: c.variant,
        window_batch: a.case.windowBatch,
        overlap: a.overlap,
        scan: Array.from(scan),
        weights,
        ours,
      }),
    );
  } finally {
    net.model.dispose();
  }
}

/**
 * Compares the two sides' check predictions.
 * @returns the largest difference per output, and a message when an output is missing on one
 *   side, differs in size, or differs by more than {@link CHECK_TOLERANCE} (NaN counts as over).
 */
export function compareCheck(
  ours: CheckPrediction,
  theirs: CheckPrediction,
): { maxAbsDiff: Record<string, number>; problem: string | null } {
  const maxAbsDiff: Record<string, number> = {};
  const problems: string[] = [];
  for (const k of ['probs', 'lesion', 'evidence'] as const) {
    const a = ours[k];
    const b = theirs[k];
    if (!a && !b) continue;
    if (!a || !b || a.length !== b.length) {
      problems.push(`${k}: ours has ${a?.length ?? 'no'} values, PyTorch's ${b?.length ?? 'no'}`);
      continue;
    }
    let m = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs((a[i] as number) - (b[i] as number));
      m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(m, d);
    }
    maxAbsDiff[k] = m;
    if (!(m <= CHECK_TOLERANCE))
      problems.push(`${k} differ by up to ${m.toExponential(2)} (> ${CHECK_TOLERANCE})`);
  }
  if (Object.keys(maxAbsDiff).length === 0 && problems.length === 0) problems.push('no output to compare');
  return { maxAbsDiff, problem: problems.length ? problems.join('; ') : null };
}

/** Runs in the worker process: our prediction of one case, timed. @throws Error for a non-finite prediction. */
async function oursWorker(a: WorkerArgs): Promise<OursRun> {
  if (a.check) await writeCheck(a, a.check);
  const t0 = performance.now();
  const net = createDeepScCovid(caseConfig(a.preset, a.case), {
    mode: 'infer',
    device: a.device,
    seed: 0,
    optimizer: null,
    ...(a.precision === 'fp32' ? {} : { precision: a.precision }),
  });
  const compileS = (performance.now() - t0) / 1000;
  try {
    const shape = net.config.wholeSize;
    let seed = 1;
    const rand = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const volume = {
      data: Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => rand() * 2 - 1),
      shape,
    };
    // the forward calls' share of a scan: wrap this instance's forward
    const m = net.model;
    const forward = m.forward.bind(m);
    let inForward = 0;
    Object.defineProperty(m, 'forward', {
      configurable: true,
      value: async (...args: Parameters<typeof forward>) => {
        const t = performance.now();
        try {
          return await forward(...args);
        } finally {
          inForward += (performance.now() - t) / 1000;
        }
      },
    });
    const times: number[] = [];
    const forwards: number[] = [];
    let windows = 0;
    for (let i = 0; i < a.warmup + a.scans; i++) {
      inForward = 0;
      const t = performance.now();
      const p = await predict(net, volume, { overlap: a.overlap });
      const dt = (performance.now() - t) / 1000;
      windows = p.windows;
      const bad = [p.classProbabilities ?? [], p.lesion?.data ?? [], p.evidence?.data ?? []].some((v) =>
        Array.prototype.some.call(v, (x: number) => !Number.isFinite(x)),
      );
      if (bad) throw new Error(`our ${a.precision} prediction is not finite (scan ${i + 1})`);
      if (i >= a.warmup) {
        times.push(dt);
        forwards.push(inForward);
      }
    }
    const med = median(times);
    return {
      precision: a.precision,
      median_s: med,
      times_s: times,
      scans_per_min: 60 / med,
      forward_s: median(forwards),
      host_s: median(times.map((t, i) => t - (forwards[i] as number))),
      windows,
      compile_s: compileS,
      arena_bytes: net.model.memory.arenaBytes,
      persistent_bytes: net.model.memory.persistentBytes,
      peak_rss_bytes: peakRss(),
    };
  } finally {
    net.model.dispose();
  }
}

/** Runs a child process and parses its last stdout line as JSON. @throws Error naming the side and why. */
function runChild(
  what: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutS: number,
): unknown {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: Math.max(1, Math.round(timeoutS * 1000)),
    killSignal: 'SIGKILL',
    maxBuffer: 1 << 24,
  });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT')
    throw new Error(
      `${what} timed out after ${Number(timeoutS.toFixed(1))} s (--case-timeout-s, or the budget left)`,
    );
  if (r.error) throw new Error(`${what} (${cmd}): ${r.error.message}`);
  if (r.signal)
    throw new Error(
      `${what} killed by ${r.signal} (timeout ${timeoutS.toFixed(0)} s?): ${r.stderr.slice(-1500)}`,
    );
  if (r.status !== 0) throw new Error(`${what} failed (status ${r.status}): ${r.stderr.trim().slice(-3000)}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`${what} printed no JSON line: ${r.stdout.slice(-1500)} ${r.stderr.slice(-1500)}`);
  }
}

/** PyTorch's output for one case. */
interface TorchCase {
  gpu: string;
  torch: string;
  cuda: string | null;
  cudnn: number | null;
  windows: number;
  starts: number[][];
  runs: {
    precision: Precision;
    median_s: number;
    times_s: number[];
    scans_per_min: number;
    peak_gpu_bytes?: number;
  }[];
  peak_rss_bytes: number;
  /** The twin's prediction of the agreement check's case (--check). */
  check: CheckPrediction | null;
}

/** One case's record in the result. */
interface CaseResult {
  variant: Variant;
  windowBatch: number;
  windows: number[][];
  ours: OursRun[];
  oursErrors: string[];
  torch: TorchCase | null;
  torchError: string | null;
  /** Both sides' fp32 predictions of a small case with our weights, compared (null: not run). */
  agreement: { maxAbsDiff: Record<string, number>; problem: string | null } | null;
  skipped: string | null;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const sec = (s: number) => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);

/** Our precisions on `device`: fp32, plus what a CUDA engine accepts. */
function ourPrecisions(device: 'cuda' | 'cpu'): Precision[] {
  if (device === 'cpu') return ['fp32'];
  const accepted = loadBinding().info().cudaPrecisions ?? ['fp32'];
  return (['fp32', 'tf32', 'bf16'] as const).filter((p) => accepted.includes(p));
}

/** Runs the benchmark; returns the exit status. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const say = (s: string) => console.log(`[gpu/infer] ${s}`);
  let o: Options;
  try {
    o = parseOptions(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`gpu/infer.ts: ${e.message}`);
    return 2;
  }
  const info = loadBinding().info();
  if (o.device === 'cuda' && (!info.cudaBuilt || info.cudaDevices.length === 0)) {
    console.error(
      `gpu/infer.ts: ERROR: ${info.cudaBuilt ? 'no CUDA device is visible' : 'the @deepsc/native addon was built without CUDA'} (cudaBuilt=${info.cudaBuilt}, cudaDevices=[${info.cudaDevices.join('; ')}]); use --device cpu to check this script`,
    );
    return 2;
  }
  const gpu = o.device === 'cuda' ? (info.cudaDevices[0] as string) : 'cpu';
  const oursP = ourPrecisions(o.device);
  const torchP: Precision[] = o.device === 'cuda' ? ['fp32', 'tf32', 'bf16'] : ['fp32'];
  const base = presetConfig(o.preset);
  say(
    `${gpu}; preset ${o.preset}: scan (whole) ${base.wholeSize.join('x')}, windows ${base.patchSize.join('x')}, overlap ${o.overlap}; ` +
      `${o.warmup} warm-up + ${o.scans} timed scans per case; ours ${oursP.join('/')}, PyTorch ${o.torch ? torchP.join('/') : 'not run'}`,
  );
  const start = performance.now();
  const left = () => o.budgetS - (performance.now() - start) / 1000;
  const cpuEnv =
    o.device === 'cpu'
      ? {
          DEEPSC_NUM_THREADS: String(CPU_THREADS),
          OMP_NUM_THREADS: String(CPU_THREADS),
          MKL_NUM_THREADS: String(CPU_THREADS),
        }
      : {};
  const results: CaseResult[] = [];
  // the agreement check's files (our weights and prediction per case), removed at the end
  const checkDir = o.torch ? mkdtempSync(join(tmpdir(), 'deepsc-infer-check-')) : undefined;
  try {
    for (const c of CASES) {
      const config = caseConfig(o.preset, c);
      const expected = expectedStarts(config, o.overlap);
      const r: CaseResult = {
        variant: c.variant,
        windowBatch: c.windowBatch,
        windows: expected,
        ours: [],
        oursErrors: [],
        torch: null,
        torchError: o.torch ? null : 'not run (--no-torch)',
        agreement: null,
        skipped: null,
      };
      results.push(r);
      const checkFile = checkDir ? join(checkDir, `${c.variant}-x${c.windowBatch}.json`) : undefined;
      const name = `${c.variant}, window batch ${c.windowBatch}`;
      if (left() < 5) {
        r.skipped = `out of time (--budget-s ${o.budgetS})`;
        say(`SKIPPED ${name}: ${r.skipped}`);
        continue;
      }
      for (const precision of oursP) {
        const timeout = Math.min(o.caseTimeoutS, Math.max(1, left()));
        try {
          const run = runChild(
            `our worker (${name}, ${precision})`,
            process.execPath,
            [
              ...process.execArgv,
              fileURLToPath(import.meta.url),
              '--worker',
              JSON.stringify({
                preset: o.preset,
                case: c,
                device: o.device,
                precision,
                warmup: o.warmup,
                scans: o.scans,
                overlap: o.overlap,
                ...(checkFile && precision === 'fp32' ? { check: checkFile } : {}),
              } satisfies WorkerArgs),
            ],
            cpuEnv,
            timeout,
          ) as OursRun;
          if (run.windows !== expected.length)
            throw new Error(`ours ran ${run.windows} windows a scan, core's grid has ${expected.length}`);
          r.ours.push(run);
          say(
            `ours, ${name}, ${precision}: ${sec(run.median_s)} a scan (forward calls ${sec(run.forward_s)}, host ${sec(run.host_s)}; compile ${run.compile_s.toFixed(1)} s)`,
          );
        } catch (e) {
          r.oursErrors.push(`${precision}: ${(e as Error).message}`);
          say(`ERROR: ours, ${name}, ${precision}: ${(e as Error).message}`);
        }
      }
      if (o.torch) {
        const args = {
          ...twinNetworkArgs(config),
          variant: c.variant,
          window_batch: c.windowBatch,
          overlap: o.overlap,
          threads: CPU_THREADS,
          warmup: o.warmup,
          scans: o.scans,
        };
        try {
          const t = runChild(
            `PyTorch twin (${name})`,
            o.python,
            [
              PEER,
              JSON.stringify(args),
              '--device',
              o.device,
              '--precision',
              torchP.join(','),
              ...(checkFile && existsSync(checkFile) ? ['--check', checkFile] : []),
            ],
            { ...cpuEnv, PYTHONUNBUFFERED: '1' },
            Math.min(o.caseTimeoutS, Math.max(1, left())),
          ) as TorchCase;
          if (JSON.stringify(t.starts) !== JSON.stringify(expected))
            throw new Error(
              `PyTorch ran windows at ${JSON.stringify(t.starts)}, core's grid is ${JSON.stringify(expected)}`,
            );
          r.torch = t;
          for (const run of t.runs) say(`PyTorch, ${name}, ${run.precision}: ${sec(run.median_s)} a scan`);
        } catch (e) {
          r.torchError = (e as Error).message;
          say(`ERROR: PyTorch, ${name}: ${r.torchError}`);
        }
        if (r.torch && checkFile && existsSync(checkFile)) {
          const ours = (JSON.parse(readFileSync(checkFile, 'utf8')) as { ours: CheckPrediction }).ours;
          r.agreement = r.torch.check
            ? compareCheck(ours, r.torch.check)
            : { maxAbsDiff: {}, problem: 'PyTorch printed no check prediction' };
          const diffs = Object.entries(r.agreement.maxAbsDiff)
            .map(([k, v]) => `${k} ${v.toExponential(1)}`)
            .join(', ');
          say(
            `agreement, ${name} (${CHECK_PRESET} preset, fp32, our weights in the twin): max |diff| ${diffs || '-'}: ${r.agreement.problem ? `FAILED: ${r.agreement.problem}` : 'ok'}`,
          );
        }
      }
    }
  } finally {
    if (checkDir) rmSync(checkDir, { recursive: true, force: true });
  }

  // --- the table ---
  const onGpu = o.device === 'cuda';
  const rows: string[][] = [
    [
      'case',
      'side',
      'precision',
      'median scan',
      'scans/min',
      onGpu ? 'peak device memory' : 'peak RSS',
      'this / ours fp32 (time)',
    ],
  ];
  for (const r of results) {
    const name = `${r.variant} x${r.windowBatch}`;
    const ref = r.ours.find((x) => x.precision === 'fp32');
    const speed = (s: number) => (ref ? (s / ref.median_s).toFixed(2) : '-');
    if (r.skipped) rows.push([name, '-', '-', 'SKIPPED', '-', '-', '-']);
    for (const x of r.ours)
      rows.push([
        name,
        'ours',
        x.precision,
        sec(x.median_s),
        x.scans_per_min.toFixed(1),
        onGpu
          ? `${mib(x.arena_bytes + x.persistent_bytes)} (arena ${mib(x.arena_bytes)})`
          : mib(x.peak_rss_bytes),
        speed(x.median_s),
      ]);
    for (const e of r.oursErrors)
      rows.push([name, 'ours', e.split(':')[0] as string, 'FAILED', '-', '-', '-']);
    for (const x of r.torch?.runs ?? [])
      rows.push([
        name,
        'PyTorch',
        x.precision === 'bf16' ? 'bf16 autocast' : x.precision,
        sec(x.median_s),
        x.scans_per_min.toFixed(1),
        onGpu ? mib(x.peak_gpu_bytes ?? 0) : mib(r.torch?.peak_rss_bytes ?? 0),
        speed(x.median_s),
      ]);
    if (r.torchError && o.torch) rows.push([name, 'PyTorch', '-', 'FAILED', '-', '-', '-']);
  }
  const widths = rows[0]?.map((_, k) => Math.max(...rows.map((r) => r[k]?.length ?? 0))) ?? [];
  console.log(
    `\nDeepSC-COVID whole-scan prediction, preset ${o.preset} (scan ${base.wholeSize.join('x')}, windows ${base.patchSize.join('x')}, ` +
      `overlap ${o.overlap}: ${results[0]?.windows.length ?? '?'} windows a scan); ${gpu}; median of ${o.scans} scans after ${o.warmup} warm-up`,
  );
  for (const r of rows) console.log(`  ${r.map((x, k) => x.padEnd(widths[k] as number)).join('  ')}`);
  console.log(
    onGpu
      ? '  memory: ours = the inference graph planned arena + parameters (model.memory); PyTorch = torch.cuda.max_memory_allocated'
      : `  memory: peak RSS of each side's process (runtime included); ${CPU_THREADS} threads each`,
  );
  for (const r of results)
    for (const x of r.ours)
      console.log(
        `  ours ${r.variant} x${r.windowBatch} ${x.precision}: forward calls ${sec(x.forward_s)} + host ${sec(x.host_s)} a scan (host: resampling, region matrices, softmax and blending in TypeScript)`,
      );
  console.log('  joint: one window per call on both sides (each window has its own region in the scan)');
  const t0 = results.find((r) => r.torch)?.torch;
  if (t0) console.log(`  PyTorch ${t0.torch}${onGpu ? `, CUDA ${t0.cuda}, cuDNN ${t0.cudnn}` : ''}`);

  const failed = results.some(
    (r) => r.oursErrors.length > 0 || (o.torch && r.torchError) || r.agreement?.problem,
  );
  const skipped = results.filter((r) => r.skipped).length;
  if (failed) console.log('  FAILED: a side failed on a case (its error is above and in the JSON)');
  if (skipped) console.log(`  INCOMPLETE: ${skipped} of ${results.length} cases skipped (out of time)`);
  const now = new Date();
  const out =
    o.out ??
    (onGpu
      ? join(
          RESULTS,
          `gpu-infer-${gpu.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${now.toISOString().replace(/[:.]/g, '-')}.json`,
        )
      : undefined);
  if (out) {
    const doc = {
      benchmark: 'gpu-infer',
      date: now.toISOString(),
      gpu,
      device: o.device,
      preset: o.preset,
      config: base,
      overlap: o.overlap,
      warmup: o.warmup,
      scans: o.scans,
      scan: `synthetic, the whole-scan size ${base.wholeSize.join('x')} (uniform in [-1, 1]); patch grid = whole-scan grid`,
      timing: 'wall clock per scan, results on the host; median of the timed scans; scans/min = 60 / median',
      memory: onGpu
        ? 'ours: model.memory arena + persistent bytes; PyTorch: torch.cuda.max_memory_allocated per precision'
        : 'peak RSS of each process',
      cases: results,
      failed,
      skipped,
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
  }
  return failed || skipped ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const w = process.argv.indexOf('--worker');
  if (w >= 0)
    oursWorker(JSON.parse(process.argv[w + 1] as string) as WorkerArgs).then(
      (r) => console.log(JSON.stringify(r)),
      (e) => {
        console.error(e);
        process.exit(1);
      },
    );
  else
    main().then(
      (code) => process.exit(code),
      (e) => {
        console.error(e);
        process.exit(1);
      },
    );
}
