/**
 * The GPU conv3d benchmark: our CUDA conv3d (forward, backward-data, backward-weight) against
 * PyTorch with cuDNN on the same GPU, fp32 with TF32 off and with TF32 on, on a few
 * DeepSC-COVID layers at the paper's sizes. Every time is a CUDA-event time of one call with
 * the tensors already on the GPU (median of the repeats). Prints a table and writes JSON
 * under benchmarks/results/ naming the GPU. Run by benchmarks/gpu/run.sh.
 *
 *   tsx --conditions=source benchmarks/gpu/bench.ts [--warmup N] [--repeats N]
 *     [--filter TEXT] [--python PATH] [--out FILE]
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cudaTimeOp, loadBinding, type RawTensor } from '@deepsc/native';
import { type ConvLayer, flops, layers } from '../src/layers.js';
import { gflops, median } from '../src/stats.js';

/** The timed passes, as the PyTorch peer names them. */
const PASSES = ['forward', 'backward_data', 'backward_weight'] as const;
type Pass = (typeof PASSES)[number];

/** Paper-size layers: the stem, U-Net levels 1-3 (plain, strided, decoder) and the classifier. */
const CHOSEN = [
  'paper/stem.whole.branch3',
  'paper/unet.enc1.conv2',
  'paper/unet.enc2.conv1',
  'paper/unet.enc3.conv2',
  'paper/unet.dec1.conv1',
  'paper/cls.block1.conv1',
  'paper/cls.block3.conv2',
];

interface Options {
  warmup: number;
  repeats: number;
  filter: string | undefined;
  python: string;
  out: string | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    warmup: 2,
    repeats: 5,
    filter: undefined,
    python: process.env.DEEPSC_TORCH_PYTHON ?? 'python3',
    out: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    const int = (name: string, lo: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < lo || n > 1000)
        throw new RangeError(`${name} must be an integer in [${lo}, 1000], got ${v}`);
      i++;
      return n;
    };
    const str = () => {
      if (v === undefined) throw new TypeError(`${a} needs a value`);
      i++;
      return v;
    };
    if (a === '--warmup') o.warmup = int('--warmup', 0);
    else if (a === '--repeats') o.repeats = int('--repeats', 1);
    else if (a === '--filter') o.filter = str();
    else if (a === '--python') o.python = str();
    else if (a === '--out') o.out = str();
    else throw new TypeError(`unknown argument '${a}' (see the header of benchmarks/gpu/bench.ts)`);
  }
  return o;
}

function rand(shape: number[], seed: number, scale: number): RawTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 4294967296 - 0.5) * 2 * scale;
  }
  return { data, shape };
}

/** Our CUDA kernel's ms per pass (all repeats). */
function timeOurs(l: ConvLayer, o: Options): Record<Pass, number[]> {
  const x = rand([l.N, l.C, ...l.in], 1, 1);
  const w = rand([l.K, l.C / l.groups, ...l.k], 2, 0.1);
  const b = rand([l.K], 3, 1);
  const attrs = { stride: l.s, padding: l.p, dilation: l.d, groups: l.groups };
  const t = (need: boolean[] | null) => cudaTimeOp('conv3d', attrs, [x, w, b], need, o.warmup, o.repeats);
  return {
    forward: t(null),
    backward_data: t([true, false, false]),
    // PyTorch's backward-weight pass also computes the bias gradient: so does ours here.
    backward_weight: t([false, true, true]),
  };
}

interface TorchRow {
  name: string;
  tf32: boolean;
  error?: string;
  forward?: number[];
  backward_data?: number[];
  backward_weight?: number[];
}
interface TorchReply {
  torch: string;
  cuda: string;
  cudnn: number;
  device: string;
  results: TorchRow[];
}

function timeTorch(ls: ConvLayer[], o: Options): TorchReply {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'torch_conv3d_cuda.py');
  const req = { layers: ls, warmup: o.warmup, repeats: o.repeats };
  const r = spawnSync(o.python, [script], {
    input: JSON.stringify(req),
    encoding: 'utf8',
    timeout: 180_000,
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) {
    throw new Error(
      `the PyTorch peer (${o.python} ${script}) failed (status ${r.status}, signal ${r.signal}): ${r.stderr || r.error}`,
    );
  }
  return JSON.parse(r.stdout) as TorchReply;
}

const fmt = (ms: number | undefined) => (ms === undefined ? '-' : ms < 10 ? ms.toFixed(3) : ms.toFixed(1));

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const info = loadBinding().info();
  const gpu = info.cudaDevices[0];
  if (!info.cudaBuilt || gpu === undefined) {
    console.error(
      `bench.ts: needs a CUDA-built addon and a GPU (cudaBuilt=${info.cudaBuilt}, devices=[${info.cudaDevices.join('; ')}])`,
    );
    process.exit(1);
  }
  const ls = layers('paper').filter(
    (l) => CHOSEN.includes(l.name) && (!o.filter || l.name.includes(o.filter)),
  );
  if (ls.length === 0) throw new RangeError(`no layer matches --filter ${o.filter}`);
  const ours = new Map<string, Record<Pass, number[]>>();
  for (const l of ls) {
    process.stderr.write(`ours: ${l.name}\n`);
    ours.set(l.name, timeOurs(l, o));
  }
  process.stderr.write('PyTorch/cuDNN ...\n');
  const torch = timeTorch(ls, o);
  const peer = (name: string, tf32: boolean) => torch.results.find((r) => r.name === name && r.tf32 === tf32);

  const rows = [];
  const header = [
    'layer',
    'pass',
    'GFLOP',
    'ours ms',
    'ours GFLOP/s',
    'cuDNN fp32 ms',
    'cuDNN tf32 ms',
    'ours / fp32 speed',
  ];
  const lines: string[][] = [header];
  const ratios: number[] = [];
  for (const l of ls) {
    const f = flops(l);
    for (const p of PASSES) {
      const mine = median(ours.get(l.name)?.[p] ?? []);
      const fp32Row = peer(l.name, false);
      const tf32Row = peer(l.name, true);
      const fp32 = fp32Row?.[p] ? median(fp32Row[p]) : undefined;
      const tf32 = tf32Row?.[p] ? median(tf32Row[p]) : undefined;
      const ratio = fp32 === undefined ? undefined : fp32 / mine;
      if (ratio !== undefined) ratios.push(ratio);
      rows.push({
        layer: l.name,
        source: l.source,
        pass: p,
        flops: f,
        oursMs: mine,
        oursAllMs: ours.get(l.name)?.[p],
        cudnnFp32Ms: fp32,
        cudnnTf32Ms: tf32,
        torchErrors: [fp32Row?.error, tf32Row?.error].filter(Boolean),
        oursOverCudnnFp32Speed: ratio,
      });
      lines.push([
        l.name,
        p,
        (f / 1e9).toFixed(2),
        fmt(mine),
        gflops(f, mine).toFixed(0),
        fmt(fp32),
        fmt(tf32),
        ratio === undefined ? '-' : ratio.toFixed(3),
      ]);
    }
  }
  const widths = header.map((_, c) => Math.max(...lines.map((r) => (r[c] ?? '').length)));
  for (const r of lines) console.log(r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  '));
  const geomean = ratios.length
    ? Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length)
    : undefined;
  console.log(
    `\nGPU: ${gpu}; PyTorch ${torch.torch}, CUDA ${torch.cuda}, cuDNN ${torch.cudnn} on ${torch.device}`,
  );
  console.log(
    `ours vs cuDNN fp32 (TF32 off), geometric mean of speed ratios: ${geomean?.toFixed(3) ?? '-'} (target >= 0.5)`,
  );

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const slug = gpu
    .replace(/\(.*$/, '')
    .trim()
    .replace(/[^A-Za-z0-9]+/g, '-');
  const out =
    o.out ??
    join(dirname(fileURLToPath(import.meta.url)), '..', 'results', `gpu-conv3d-${slug}-${stamp}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const doc = {
    benchmark: 'gpu-conv3d',
    date: new Date().toISOString(),
    gpu,
    torch: { version: torch.torch, cuda: torch.cuda, cudnn: torch.cudnn, device: torch.device },
    precision:
      'fp32 tensors; ours: fp32 FMA (no tensor cores); cuDNN timed with TF32 off (allow_tf32 = False) and on',
    timing: `CUDA events, tensors on the GPU, median of ${o.repeats} after ${o.warmup} warmup; cudnn.benchmark = True`,
    geomeanOursOverCudnnFp32Speed: geomean,
    rows,
  };
  writeFileSync(`${out}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(`${out}.tmp`, out);
  console.log(`wrote ${out}`);
}

main();
