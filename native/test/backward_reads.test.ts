/**
 * The declared backward needs (include/deepsc/backward_reads.h, src/ops/backward_reads.cpp)
 * against the kernels: for every op and every case of its case table (test/cases/<op>.ts),
 * the backward computing each single gradient, and all of them, runs once on the
 * real forward tensors and once with every input and output the op does NOT declare replaced
 * by NaN. The gradients must be bitwise the same: a kernel reading an undeclared tensor would
 * turn NaN into its result (or change a comparison) and fail here, before the executor could
 * hand it a buffer that another value has overwritten. The same check runs on the CUDA
 * kernels when a GPU is present.
 */
import { describe, expect, it } from 'vitest';
import type { OpAttrs } from '../lib/index.js';
import {
  backward,
  backwardReads,
  type EagerDevice,
  forward,
  loadBinding,
  type OpName,
  type RawTensor,
} from '../lib/index.js';
import type { CudaCase } from '../lib/testing/index.js';
import { tables } from './cases/index.js';
import { casesFor, cudaCase, type OpTable } from './cases/table.js';
import { randTensor, rng } from './support/numeric.js';
import { cudaDefOps } from './support/op-lists.js';

const info = loadBinding().info();
const haveGpu = info.cudaBuilt && info.cudaDevices.length > 0;

const copy = (t: RawTensor | null) => (t ? { data: t.data.slice(), shape: [...t.shape] } : null);
const nan = (t: RawTensor) => ({
  data: new Float32Array(t.data.length).fill(Number.NaN),
  shape: [...t.shape],
});
const bits = (t: RawTensor | null) =>
  t ? Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex') : null;

/** The gradient requests to try: each differentiable input alone, then all of them. */
function requests<K extends OpName>(c: CudaCase<OpAttrs[K]>): boolean[][] {
  const all = c.needGrad ?? c.inputs.map((x) => x !== null);
  const single = all.flatMap((w, i) => (w ? [all.map((_, j) => j === i)] : []));
  return single.length > 1 ? [...single, all] : [all];
}

/** Differences between the full and the NaN-masked backward, as text (empty: none). */
function check<K extends OpName>(table: OpTable<K>, c: CudaCase<OpAttrs[K]>, device: EagerDevice): string[] {
  const { op } = table;
  const outputs = forward(op, c.attrs, c.inputs.map(copy));
  const r = rng(11);
  const gradOut = outputs.map((o) => randTensor([...o.shape], r));
  const failures: string[] = [];
  for (const need of requests(c)) {
    const reads = backwardReads(op, need, c.inputs.length, outputs.length);
    const want = backward(op, c.attrs, c.inputs.map(copy), outputs, gradOut, need, { device });
    const maskedIn = c.inputs.map((x, i) => (x && !reads.inputs[i] ? nan(x) : copy(x)));
    const maskedOut = outputs.map((o, k) => (reads.outputs[k] ? o : nan(o)));
    const got = backward(op, c.attrs, maskedIn, maskedOut, gradOut, need, { device });
    want.forEach((g, i) => {
      if (bits(got[i] ?? null) !== bits(g))
        failures.push(
          `needGrad [${need}]: grad of input ${i} changes when the undeclared tensors are NaN ` +
            `(declared inputs [${reads.inputs}], outputs [${reads.outputs}])`,
        );
    });
  }
  return failures;
}

const cases = tables.flatMap((t) =>
  t.cases.map((c) => ({ name: `${t.op}: ${c.name}`, table: t, c: cudaCase(c) })),
);

describe('backward reads: CPU kernels read only what their op declares', () => {
  it('every op has a table here', () => {
    expect([...new Set(tables.map((t) => t.op))].sort()).toEqual([...info.ops].sort());
  });
  it.each(cases)('$name', ({ table, c }) => {
    expect(check(table, c, 'cpu')).toEqual([]);
  });
});

// On the GPU: the CUDA cases of the ops with a CUDA kernel (src/cuda/ops_cuda.def).
const cudaDef = new Set(cudaDefOps());
const cudaRows = tables
  .filter((t) => cudaDef.has(t.op))
  .flatMap((t) => casesFor(t, 'cuda').map((c) => ({ name: `${t.op}: ${c.name}`, table: t, c: cudaCase(c) })));

describe('backward reads: CUDA kernels read only what their op declares', () => {
  it.skipIf(!haveGpu).each(cudaRows)(haveGpu ? '$name' : 'SKIPPED: no CUDA device: $name', ({ table, c }) => {
    expect(check(table, c, 'cuda')).toEqual([]);
  });
});

describe('backwardReads', () => {
  const rows: { op: OpName; need: boolean[]; n: [number, number]; inputs: boolean[]; outputs: boolean[] }[] =
    [
      { op: 'relu', need: [true], n: [1, 1], inputs: [false], outputs: [true] },
      { op: 'add', need: [true, true], n: [2, 1], inputs: [false, false], outputs: [false] },
      { op: 'conv3d', need: [true, false, false], n: [3, 1], inputs: [false, true, false], outputs: [false] },
      { op: 'conv3d', need: [false, true, true], n: [3, 1], inputs: [true, false, false], outputs: [false] },
      {
        op: 'group_norm',
        need: [true, true, true],
        n: [3, 1],
        inputs: [true, true, false],
        outputs: [false],
      },
      {
        op: 'concat',
        need: [true, true, true, true, true],
        n: [5, 1],
        inputs: [false, false, false, false, false],
        outputs: [false],
      },
      { op: 'focal', need: [true, false, false], n: [3, 1], inputs: [true, true, true], outputs: [false] },
    ];
  it.each(rows)('$op needGrad [$need]', ({ op, need, n, inputs, outputs }) => {
    expect(backwardReads(op, need, n[0], n[1])).toEqual({ inputs, outputs });
  });
  it('an unknown op is a TypeError naming it', () => {
    expect(() => backwardReads('nope' as OpName, [true], 1, 1)).toThrow(TypeError);
    expect(() => backwardReads('nope' as OpName, [true], 1, 1)).toThrow(/nope/);
  });
});
