/**
 * The kernel benchmark: DeepSC's conv3d (forward, backward-data, backward-weight), timed both
 * through the eager calls and engine-resident (`timeOp`, what a training step pays), against
 * PyTorch (Debian's torch 1.13 with oneDNN, the same thread count) and onnxruntime-node
 * (forward only), side by side in one run, layer by layer, on the DeepSC-COVID layer set at the
 * paper's sizes and at the CPU preset; and this machine's measured FMA peak, so every figure
 * reads against the limit. Prints a table and writes JSON under benchmarks/results/.
 *
 *   npm run bench -w benchmarks -- [--preset paper|cpu|all] [--filter TEXT] [--repeats N]
 *     [--warmup N] [--threads N] [--no-torch] [--no-onnx] [--out FILE]
 * @module
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBinding } from '@deepsc/native';
import { type ConvPass, PASSES, timeDeepsc, timeDeepscResident } from './kernels/conv3d-deepsc.js';
import { type ConvLayer, flops, layers, outSize, type Preset } from './layers.js';
import { timeOnnxForward } from './peers/onnx.js';
import { TorchPeer } from './peers/torch.js';
import { formatTable, summarise } from './report.js';
import { gflops, median, type Repeats } from './stats.js';

/** Command-line options. */
interface Options {
  presets: Preset[];
  filter: string | undefined;
  repeats: Repeats;
  threads: number;
  torch: boolean;
  onnx: boolean;
  out: string | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    presets: ['cpu', 'paper'],
    filter: undefined,
    repeats: { warmup: 1, repeats: 5 },
    threads: 2,
    torch: true,
    onnx: true,
    out: undefined,
  };
  const num = (v: string | undefined, flag: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${flag} needs a positive integer, got '${v}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--preset':
        if (v !== 'paper' && v !== 'cpu' && v !== 'all')
          throw new RangeError(`--preset must be paper, cpu or all, got '${v}'`);
        o.presets = v === 'all' ? ['cpu', 'paper'] : [v];
        i++;
        break;
      case '--filter':
        o.filter = v;
        i++;
        break;
      case '--repeats':
        o.repeats = { ...o.repeats, repeats: num(v, a) };
        i++;
        break;
      case '--warmup':
        o.repeats = { ...o.repeats, warmup: Number(v) };
        if (!Number.isInteger(o.repeats.warmup) || o.repeats.warmup < 0)
          throw new RangeError(`--warmup needs an integer >= 0, got '${v}'`);
        i++;
        break;
      case '--threads':
        o.threads = num(v, a);
        i++;
        break;
      case '--no-torch':
        o.torch = false;
        break;
      case '--no-onnx':
        o.onnx = false;
        break;
      case '--out':
        o.out = v;
        i++;
        break;
      case '--':
        break;
      default:
        throw new RangeError(`unknown option '${a}' (see the header of benchmarks/src/run.ts)`);
    }
  }
  return o;
}

/** One layer's medians in milliseconds (null: not measured). */
export interface LayerResult {
  layer: ConvLayer;
  out: number[];
  gflop: number;
  /** Ours through the eager calls (a prepared `conv3d`: op and shapes bound once, outputs into reused caller-owned arrays). */
  deepsc: Record<ConvPass, number>;
  /** Ours engine-resident (`timeOp`: the kernel on buffers allocated once, as in training). */
  deepscResident: Record<ConvPass, number>;
  torch: Record<ConvPass, number> | null;
  onnxForward: number | null;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const binding = loadBinding();
  binding.setNumThreads(opts.threads);
  const info = binding.info();
  const peakBefore = binding.peakFlops(1);
  console.log(
    `DeepSC ${info.version} (${info.isa}, ${info.threads} threads); measured FMA peak ${peakBefore.gflops.toFixed(0)} GFLOP/s; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  let torch: TorchPeer | null = null;
  let torchInfo = null;
  if (opts.torch) {
    const started = await TorchPeer.start(opts.threads);
    torch = started.peer;
    torchInfo = started.info;
    console.log(
      `PyTorch ${torchInfo.torch} (${torchInfo.threads} threads, oneDNN ${torchInfo.mkldnn ? 'on' : 'off'})`,
    );
  }
  const results: LayerResult[] = [];
  try {
    for (const preset of opts.presets) {
      for (const l of layers(preset)) {
        if (opts.filter && !l.name.includes(opts.filter)) continue;
        // Layers of a few MFLOP take well under a millisecond: more runs for a stable median,
        // and 200 warm-up calls on both sides, so our eager calls reach their steady state
        // (V8 frees the output arrays only at garbage collection: until the first
        // collections every call's output is fresh memory, faulted in page by page, which
        // made a 0.2 MFLOP layer 5x slower in its first ~150 calls than afterwards).
        const reps =
          flops(l) < 5e7
            ? { warmup: Math.max(200, opts.repeats.warmup), repeats: Math.max(15, opts.repeats.repeats) }
            : opts.repeats;
        const ours = timeDeepsc(l, PASSES, reps);
        const resident = timeDeepscResident(l, PASSES, reps);
        const theirs = torch ? await torch.time(l, PASSES, reps) : null;
        const onnx = opts.onnx ? median(await timeOnnxForward(l, opts.threads, reps)) : null;
        const med = (r: Record<ConvPass, number[]>) =>
          Object.fromEntries(PASSES.map((p) => [p, median(r[p])])) as Record<ConvPass, number>;
        const r: LayerResult = {
          layer: l,
          out: outSize(l),
          gflop: flops(l) / 1e9,
          deepsc: med(ours),
          deepscResident: med(resident),
          torch: theirs ? med(theirs) : null,
          onnxForward: onnx,
        };
        results.push(r);
        const g = (ms: number) => gflops(flops(l), ms).toFixed(1);
        console.log(
          `  ${l.name}: ours eager ${PASSES.map((p) => g(r.deepsc[p])).join(' / ')}` +
            `  resident ${PASSES.map((p) => g(r.deepscResident[p])).join(' / ')}` +
            (r.torch
              ? `  torch ${PASSES.map((p) => g((r.torch as Record<ConvPass, number>)[p])).join(' / ')}`
              : '') +
            (onnx !== null ? `  onnx fwd ${g(onnx)}` : '') +
            ' GFLOP/s',
        );
      }
    }
  } finally {
    torch?.close();
  }
  const peakAfter = binding.peakFlops(1);
  console.log('');
  console.log(formatTable(results));
  const summary = summarise(results);
  console.log('');
  for (const line of summary.lines) console.log(line);
  const doc = {
    date: new Date().toISOString(),
    machine: {
      isa: info.isa,
      threads: info.threads,
      loadAverage: loadavg(),
      peakGflops: { before: peakBefore.gflops, after: peakAfter.gflops },
    },
    peers: { torch: torchInfo, onnxruntime: opts.onnx ? 'onnxruntime-node (forward only)' : null },
    repeats: opts.repeats,
    summary: summary.figures,
    layers: results.map((r) => ({ ...r, layer: r.layer })),
  };
  const out =
    opts.out ??
    join(
      dirname(fileURLToPath(import.meta.url)),
      '..',
      'results',
      `conv3d-${doc.date.replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(`${out}.tmp`, out);
  console.log(`\nwrote ${out}`);
  if (!opts.filter)
    await (await import('./train-step.js')).main(opts.presets.includes('paper') ? [] : ['--quick']); // DeepSC-COVID training step vs its PyTorch twin (train-step.ts)
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
