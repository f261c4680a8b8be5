/**
 * The op checker every op test uses, built-in or plugin: a case's forward against a float64
 * reference the author writes, its backward against central differences of that same
 * reference (L = sum of a random output gradient times the outputs, so a wrong kernel cannot
 * hide behind float32 noise or a loose tolerance), and optionally the op's declared backward
 * reads and its determinism across thread counts. Framework-free: a failure throws
 * {@link OpCheckError} naming the op, the case and the worst element, which every test runner
 * reports.
 * @module
 */
import { type Attrs, loadBinding, type RawTensor } from '../binding.js';
import { backward, backwardReads, forward, type OpAttrs, type OpName, type PluginOpName } from '../ops.js';
import { opLibraries } from '../plugins.js';
import { closeness, type Ref, randTensor, rng, toRef } from './numeric.js';

/** A float64 reference of an op: inputs (null = absent) to outputs. */
export type Reference = (inputs: (Ref | null)[]) => Ref[];

/** |actual - expected| <= atol + rtol |expected|, elementwise. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/** One row of an op's case table; `A`: the op's attributes (a built-in op's typed ones, or {@link Attrs}). */
export interface OpCase<A = Attrs> {
  name: string;
  attrs: A;
  inputs: (RawTensor | null)[];
  /** Which inputs to check gradients for (default: every present input). */
  grad?: boolean[];
  /** Forward tolerance against the float64 reference (default rtol 1e-5, atol 1e-5). */
  tol?: Tolerance;
  /** Backward tolerance against finite differences (default rtol 1e-3, atol 1e-4). */
  gradTol?: Tolerance;
}

/** How thoroughly {@link checkOp} checks. */
export interface CheckOptions {
  /** Finite-difference probes per input: evenly spaced elements (default 400). */
  probes?: number;
  /** Seed of the random output gradient (default 1). */
  seed?: number;
  /** Skip the gradient check of empty inputs (nothing to probe); default false (an empty input fails). */
  skipEmpty?: boolean;
  /**
   * Check the op's declared backward reads (`backwardReads`): the backward run again with every
   * input and output it does not declare replaced by NaN must give bitwise the same gradients.
   * Default true.
   */
  reads?: boolean;
  /**
   * Check determinism: forward and backward with these thread counts give bitwise identical
   * results (the pool's size is restored afterwards). Default `[1, 3]` for a plugin op that
   * declares itself deterministic (`DEEPSC_OP_DETERMINISTIC`), else none.
   */
  threads?: number[];
}

/** A check failed; the message names the op, the case and what differed. */
export class OpCheckError extends Error {
  override name = 'OpCheckError';
}

/**
 * dL/d(inputs[index]) by central differences of the float64 reference, where
 * L = sum_k <gradOut_k, out_k>. For large inputs only `maxProbes` evenly spaced elements are
 * probed (the rest are NaN).
 */
export function numericGrad(
  reference: Reference,
  inputs: (Ref | null)[],
  gradOut: Ref[],
  index: number,
  eps = 1e-6,
  maxProbes = 400,
): Float64Array {
  const x = inputs[index];
  if (!x) throw new TypeError('numericGrad: input is absent');
  const loss = () => {
    const outs = reference(inputs);
    let s = 0;
    outs.forEach((o, k) => {
      const g = gradOut[k];
      if (!g) return;
      for (let i = 0; i < o.data.length; i++) s += (g.data[i] as number) * (o.data[i] as number);
    });
    return s;
  };
  const n = x.data.length;
  const grad = new Float64Array(n).fill(Number.NaN);
  const step = Math.max(1, Math.floor(n / maxProbes));
  for (let i = 0; i < n; i += step) {
    const keep = x.data[i] as number;
    x.data[i] = keep + eps;
    const up = loss();
    x.data[i] = keep - eps;
    const down = loss();
    x.data[i] = keep;
    grad[i] = (up - down) / (2 * eps);
  }
  return grad;
}

/** Throws {@link OpCheckError} unless `actual` is within `tol` of `expected` everywhere. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  label: string,
): void {
  if (actual.length !== expected.length)
    throw new OpCheckError(`${label}: ${actual.length} elements, expected ${expected.length}`);
  const { worst, at } = closeness(actual, expected, tol.rtol, tol.atol);
  if (!(worst <= 1))
    throw new OpCheckError(
      `${label}: worst at ${at}: got ${actual[at]}, expected ${expected[at]} (${worst.toPrecision(3)}x the tolerance rtol ${tol.rtol}, atol ${tol.atol})`,
    );
}

/** Whether two float32 arrays are bitwise identical (NaNs included). */
export function bitwiseEqual(a: Float32Array, b: Float32Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    )
  );
}

const copy = (t: RawTensor | null): RawTensor | null =>
  t ? { data: t.data.slice(), shape: [...t.shape] } : null;

/**
 * Checks one case of `op`: forward against `reference`, backward against finite differences of
 * it, then (see {@link CheckOptions}) the declared backward reads and determinism.
 * @throws OpCheckError describing the first failure.
 */
export function checkOp<K extends OpName>(
  op: K,
  c: OpCase<OpAttrs[K]>,
  reference: Reference,
  options?: CheckOptions,
): void;
/** {@link checkOp} of an op loaded from a plugin. */
export function checkOp<P extends string>(
  op: PluginOpName<P>,
  c: OpCase,
  reference: Reference,
  options?: CheckOptions,
): void;
export function checkOp(
  opName: string,
  caseIn: OpCase<object>,
  reference: Reference,
  options: CheckOptions = {},
): void {
  const op = opName as PluginOpName<string>;
  const c = caseIn as OpCase;
  const { probes = 400, seed = 1, skipEmpty = false, reads = true } = options;
  const threads = options.threads ?? (declaresDeterminism(opName) ? [1, 3] : []);
  const label = `${op} ${c.name}`;
  const tol = c.tol ?? { rtol: 1e-5, atol: 1e-5 };
  const gradTol = c.gradTol ?? { rtol: 1e-3, atol: 1e-4 };
  const outs = forward(op, c.attrs, c.inputs);
  const refIn = c.inputs.map((t) => (t ? toRef(t) : null));
  const refOut = reference(refIn);
  if (outs.length !== refOut.length)
    throw new OpCheckError(`${label}: ${outs.length} outputs, the reference has ${refOut.length}`);
  outs.forEach((o, k) => {
    const want = refOut[k] as Ref;
    if (o.shape.join(',') !== want.shape.join(','))
      throw new OpCheckError(`${label}: output ${k} has shape [${o.shape}], the reference [${want.shape}]`);
    assertClose(o.data, want.data, tol, `${label}: output ${k}`);
  });
  const rand = rng(seed);
  const gradOut = outs.map((o) => randTensor(o.shape, rand));
  const need = c.grad ?? c.inputs.map((t) => t !== null);
  const grads = backward(op, c.attrs, c.inputs, outs, gradOut, need);
  need.forEach((want, i) => {
    const g = grads[i];
    if (!want) {
      if (g != null) throw new OpCheckError(`${label}: grad ${i} was not requested but returned`);
      return;
    }
    if (!g) throw new OpCheckError(`${label}: grad ${i} was requested but not returned`);
    if (skipEmpty && g.data.length === 0) return;
    const numeric = numericGrad(reference, refIn, gradOut.map(toRef), i, 1e-6, probes);
    const probed: number[] = [];
    const want64: number[] = [];
    numeric.forEach((v, j) => {
      if (!Number.isNaN(v)) {
        probed.push(g.data[j] as number);
        want64.push(v);
      }
    });
    if (probed.length === 0) throw new OpCheckError(`${label}: grad ${i} has no elements to probe`);
    assertClose(probed, want64, gradTol, `${label}: grad ${i} vs finite differences`);
  });
  if (reads) checkReads(op, c, outs, gradOut, need, grads, label);
  if (threads.length > 0) checkThreads(op, c, gradOut, need, threads, label);
}

/** Whether `op` is a loaded plugin op with the DEEPSC_OP_DETERMINISTIC flag. */
function declaresDeterminism(op: string): boolean {
  return opLibraries().some((lib) => lib.ops.some((o) => o.name === op && o.deterministic));
}

/** The backward with every forward tensor it does not declare as read replaced by NaN. */
function checkReads(
  op: PluginOpName<string>,
  c: OpCase,
  outs: RawTensor[],
  gradOut: RawTensor[],
  need: boolean[],
  grads: (RawTensor | null)[],
  label: string,
): void {
  const r = backwardReads(op, need, c.inputs.length, outs.length);
  const poison = (t: RawTensor | null, keep: boolean | undefined) =>
    t && !keep ? { data: new Float32Array(t.data.length).fill(Number.NaN), shape: [...t.shape] } : copy(t);
  const inputs = c.inputs.map((t, i) => poison(t, r.inputs[i]));
  const outputs = outs.map((t, k) => poison(t, r.outputs[k]) as RawTensor);
  const again = backward(op, c.attrs, inputs, outputs, gradOut, need);
  grads.forEach((g, i) => {
    const h = again[i];
    if (g && h && !bitwiseEqual(g.data, h.data)) {
      const hidden = [
        ...c.inputs.flatMap((t, j) => (t && !r.inputs[j] ? [`input ${j}`] : [])),
        ...outs.flatMap((_, k) => (!r.outputs[k] ? [`output ${k}`] : [])),
      ];
      throw new OpCheckError(
        `${label}: grad ${i} changes when the tensors its backward does not declare as read (${hidden.join(', ')}) are NaN: declare them in backward_reads_inputs / backward_reads_outputs`,
      );
    }
  });
}

/** Forward and backward bitwise equal for each thread count. */
function checkThreads(
  op: PluginOpName<string>,
  c: OpCase,
  gradOut: RawTensor[],
  need: boolean[],
  threads: number[],
  label: string,
): void {
  const binding = loadBinding();
  const before = binding.info().threads;
  let first: { outs: RawTensor[]; grads: (RawTensor | null)[]; threads: number } | undefined;
  try {
    for (const n of threads) {
      binding.setNumThreads(n);
      const outs = forward(op, c.attrs, c.inputs.map(copy));
      const grads = backward(op, c.attrs, c.inputs.map(copy), outs, gradOut, need);
      if (!first) {
        first = { outs, grads, threads: n };
        continue;
      }
      const base = first;
      outs.forEach((o, k) => {
        if (!bitwiseEqual(o.data, (base.outs[k] as RawTensor).data))
          throw new OpCheckError(`${label}: output ${k} differs between ${base.threads} and ${n} threads`);
      });
      grads.forEach((g, i) => {
        const b = base.grads[i];
        if (g && b && !bitwiseEqual(g.data, b.data))
          throw new OpCheckError(`${label}: grad ${i} differs between ${base.threads} and ${n} threads`);
      });
    }
  } finally {
    binding.setNumThreads(before);
  }
}
