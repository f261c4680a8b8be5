/**
 * The small-op benchmark: DeepSC's activations, structure ops, broadcasting arithmetic and
 * losses against PyTorch (Debian's torch 1.13, the same thread count), side by side in one run,
 * case by case, on DeepSC-COVID's tensor shapes. Each figure is the median of several timed
 * runs after warm-up; "forward" is the op alone, "forward+backward" the op and the gradients of
 * its differentiable inputs (PyTorch: autograd). Prints a table and writes JSON under
 * benchmarks/results/ (temporary file, then rename).
 *
 *   cd benchmarks && npx tsx --conditions=source src/ops.ts [--quick] [--threads N] [--repeats N]
 * @module
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Attrs, backward, forward, loadBinding, type OpName, type RawTensor } from '@deepsc/native';
import { median, type Repeats, timeRuns } from './stats.js';

type Pass = 'forward' | 'forward_backward';
type PeerOp = OpName | 'add_per_channel';

interface Case {
  name: string;
  /** PyTorch peer's name of the op (ours may differ: `add_per_channel` is `add`). */
  peer: PeerOp;
  op: OpName;
  shape: number[];
  attrs: Attrs;
  inputs: () => (RawTensor | null)[];
  /** Which inputs get a gradient in the backward. */
  grad: boolean[];
}

let seed = 12345;
function rand(shape: number[], f: (u: number) => number = (u) => 2 * u - 1): RawTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    data[i] = f(seed / 4294967296);
  }
  return { data, shape };
}

function cases(quick: boolean): Case[] {
  const sizes: [string, number[]][] = [['CPU preset', [1, 2, 16, 64, 64]]];
  if (!quick) sizes.push(['paper patch', [1, 2, 24, 256, 256]]);
  const out: Case[] = [];
  for (const [label, s] of sizes) {
    const [n, c, ...rest] = s as [number, number, ...number[]];
    const pos = [n, ...rest];
    const weights = Array.from({ length: c }, (_, i) => 0.5 + (0.5 * i) / Math.max(1, c - 1));
    const x = () => [rand(s)];
    const cls = () => [rand(s), rand(pos, (u) => Math.min(c - 1, Math.floor(u * c))), null];
    out.push(
      {
        name: `softmax ${label}`,
        peer: 'softmax',
        op: 'softmax',
        shape: s,
        attrs: {},
        inputs: x,
        grad: [true],
      },
      {
        name: `log_softmax ${label}`,
        peer: 'log_softmax',
        op: 'log_softmax',
        shape: s,
        attrs: {},
        inputs: x,
        grad: [true],
      },
      {
        name: `sigmoid ${label}`,
        peer: 'sigmoid',
        op: 'sigmoid',
        shape: s,
        attrs: {},
        inputs: x,
        grad: [true],
      },
      {
        name: `cross_entropy ${label}`,
        peer: 'cross_entropy',
        op: 'cross_entropy',
        shape: s,
        attrs: { class_weights: weights },
        inputs: cls,
        grad: [true, false, false],
      },
      {
        name: `focal ${label}`,
        peer: 'focal',
        op: 'focal',
        shape: s,
        attrs: { class_weights: weights },
        inputs: cls,
        grad: [true, false, false],
      },
      {
        name: `soft_dice ${label}`,
        peer: 'soft_dice',
        op: 'soft_dice',
        shape: s,
        attrs: {},
        inputs: () => [
          rand(s, (u) => u),
          rand(s, (u) => (u < 0.5 ? 0 : 1)),
          rand([n, 1, ...rest], (u) => (u < 0.8 ? 1 : 0)),
        ],
        grad: [true, false, false],
      },
      {
        name: `mse ${label}`,
        peer: 'mse',
        op: 'mse',
        shape: s,
        attrs: {},
        inputs: () => [rand(s), rand(s), null],
        grad: [true, true, false],
      },
    );
  }
  const f: number[] = quick ? [1, 32, 8, 32, 32] : [1, 32, 12, 128, 128];
  const [, fc, fd, fh, fw] = f as [number, number, number, number, number];
  out.push(
    {
      name: `add per-channel ${f.join('x')}`,
      peer: 'add_per_channel',
      op: 'add',
      shape: f,
      attrs: {},
      inputs: () => [rand(f), rand([1, fc, 1, 1, 1])],
      grad: [true, true],
    },
    {
      name: `concat 2x ${f.join('x')}`,
      peer: 'concat',
      op: 'concat',
      shape: f,
      attrs: {},
      inputs: () => [rand(f), rand(f)],
      grad: [true, true],
    },
    {
      name: `crop half of ${f.join('x')}`,
      peer: 'crop',
      op: 'crop',
      shape: f,
      attrs: { offset: [fd >> 2, fh >> 2, fw >> 2], size: [fd >> 1, fh >> 1, fw >> 1] },
      inputs: () => [rand(f)],
      grad: [true],
    },
  );
  return out;
}

function timeOurs(c: Case, pass: Pass, r: Repeats): number[] {
  const inputs = c.inputs();
  const outs = forward(c.op, c.attrs as never, inputs);
  const g = outs.map((o) => rand(o.shape));
  if (pass === 'forward') return timeRuns(() => forward(c.op, c.attrs as never, inputs), r);
  return timeRuns(() => {
    const y = forward(c.op, c.attrs as never, inputs);
    backward(c.op, c.attrs as never, inputs, y, g, c.grad);
  }, r);
}

class TorchOps {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  constructor() {
    const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'peers', 'torch_ops.py');
    this.proc = spawn('/usr/bin/python3', [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.proc.stdout }).on('line', (l) => this.waiting.shift()?.(l));
  }
  ask<T>(req: object): Promise<T> {
    return new Promise((resolve) => {
      this.waiting.push((l) => resolve(JSON.parse(l) as T));
      this.proc.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }
  close(): void {
    this.proc.stdin.end();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (k: string, d: number) => (argv.includes(k) ? Number(argv[argv.indexOf(k) + 1]) : d);
  const quick = argv.includes('--quick');
  const threads = arg('--threads', 2);
  const repeats: Repeats = { warmup: 2, repeats: arg('--repeats', quick ? 5 : 7) };
  loadBinding().setNumThreads(threads);
  const torch = new TorchOps();
  const peer = await torch.ask<{ threads: number; torch: string }>({ threads });
  const rows: { case: string; pass: Pass; ours_ms: number; torch_ms: number; speedup: number }[] = [];
  for (const c of cases(quick))
    for (const pass of ['forward', 'forward_backward'] as const) {
      const ours = median(timeOurs(c, pass, repeats));
      const theirs = median(
        (await torch.ask<{ ms: number[] }>({ case: c.name, op: c.peer, shape: c.shape, pass, ...repeats }))
          .ms,
      );
      rows.push({ case: c.name, pass, ours_ms: ours, torch_ms: theirs, speedup: theirs / ours });
      console.log(
        `${c.name.padEnd(36)} ${pass.padEnd(17)} ours ${ours.toFixed(2).padStart(9)} ms  torch ${theirs.toFixed(2).padStart(9)} ms  x${(theirs / ours).toFixed(2)}`,
      );
    }
  torch.close();
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'ops.json');
  mkdirSync(dirname(file), { recursive: true });
  const report = {
    date: new Date().toISOString(),
    threads,
    torch: peer.torch,
    loadavg: loadavg(),
    repeats,
    rows,
  };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  console.log(`wrote ${file}`);
}

await main();
