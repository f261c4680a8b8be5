/**
 * CUDA against the CPU for one case of an op (built-in or plugin): outputs, inputs an op
 * updates in place, and gradients within a tolerance, and a second CUDA run bitwise equal to
 * the first. Reports every mismatch as text (no test runner), so a test file and a plain GPU
 * script share it.
 * @module
 */
import type { Attrs, RawTensor } from '../binding.js';
import { loadBinding } from '../binding.js';
import { backward, forward, type OpAttrs, type OpName, type PluginOpName } from '../ops.js';
import { bitwiseEqual, type Tolerance } from './check-op.js';
import { closeness, randTensor, rng } from './numeric.js';

/** One case of a CUDA-vs-CPU comparison; `A`: the op's attributes. */
export interface CudaCase<A = Attrs> {
  name: string;
  attrs: A;
  /** In the op's input order; null for an absent optional input. */
  inputs: (RawTensor | null)[];
  /** Which inputs to differentiate; default every present input. */
  needGrad?: boolean[];
}

/** What {@link compareWithCuda} found. */
export interface CudaComparison {
  /** Empty when the case passed. */
  failures: string[];
  /** Worst |cuda - cpu| / (atol + rtol |cpu|) over outputs and gradients (<= 1 passes). */
  worst: number;
  /** Worst relative error |cuda - cpu| / max|cpu| over outputs and gradients, for the record. */
  relErr: number;
}

/** Whether this process can run CUDA kernels (an engine built with CUDA and a visible GPU). */
export function cudaDeviceAvailable(): boolean {
  const info = loadBinding().info();
  return info.cudaBuilt && info.cudaDevices.length > 0;
}

/** Runs the case on the CPU and on CUDA (device 0) and compares them within `tol`. */
export function compareWithCuda<K extends OpName>(
  op: K,
  c: CudaCase<OpAttrs[K]>,
  tol: Tolerance,
): CudaComparison;
/** {@link compareWithCuda} of an op loaded from a plugin. */
export function compareWithCuda<P extends string>(
  op: PluginOpName<P>,
  c: CudaCase,
  tol: Tolerance,
): CudaComparison;
export function compareWithCuda(opName: string, caseIn: CudaCase<object>, tol: Tolerance): CudaComparison {
  const op = opName as PluginOpName<string>;
  const c = caseIn as CudaCase;
  const res: CudaComparison = { failures: [], worst: 0, relErr: 0 };
  const check = (got: RawTensor | null | undefined, want: RawTensor, what: string) => {
    if (!got) {
      res.failures.push(`${what}: missing on CUDA`);
      return;
    }
    if (got.shape.join(',') !== want.shape.join(',')) {
      res.failures.push(`${what}: shape [${got.shape}] on CUDA, [${want.shape}] on the CPU`);
      return;
    }
    const { worst, at } = closeness(got.data, want.data, tol.rtol, tol.atol);
    res.worst = Math.max(res.worst, worst);
    let maxAbs = 0;
    let maxDiff = 0;
    for (let i = 0; i < want.data.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(want.data[i] as number));
      maxDiff = Math.max(maxDiff, Math.abs((got.data[i] as number) - (want.data[i] as number)));
    }
    if (Number.isNaN(maxDiff)) maxDiff = Number.POSITIVE_INFINITY;
    res.relErr = Math.max(res.relErr, maxAbs > 0 ? maxDiff / maxAbs : maxDiff);
    if (!(worst <= 1))
      res.failures.push(
        `${what}: worst at ${at}: cuda ${got.data[at]}, cpu ${want.data[at]} (${worst.toPrecision(3)}x the tolerance)`,
      );
  };
  // Each call gets its own copy of the inputs: forward may update some in place (batch_norm's
  // running statistics), and those updates are compared too.
  const fresh = () => c.inputs.map((x) => (x ? { data: x.data.slice(), shape: [...x.shape] } : null));
  const cpuIn = fresh();
  const gpuIn = fresh();
  const cpuOut = forward(op, c.attrs, cpuIn);
  const gpuOut = forward(op, c.attrs, gpuIn, { device: 'cuda' });
  if (gpuOut.length !== cpuOut.length)
    res.failures.push(`${gpuOut.length} outputs on CUDA, ${cpuOut.length} on the CPU`);
  for (const [i, o] of cpuOut.entries()) check(gpuOut[i], o, `output ${i}`);
  for (const [i, x] of cpuIn.entries()) if (x) check(gpuIn[i], x, `input ${i} after forward`);
  // The gradient seeds depend only on the case, so a rerun draws the same ones.
  const r = rng(7);
  const gradOut = cpuOut.map((o) => randTensor([...o.shape], r));
  const need = c.needGrad ?? c.inputs.map((x) => x !== null);
  const cpuGrad = backward(op, c.attrs, fresh(), cpuOut, gradOut, need);
  const gpuGrad = backward(op, c.attrs, fresh(), cpuOut, gradOut, need, { device: 'cuda' });
  cpuGrad.forEach((g, i) => {
    if (g === null) {
      if (gpuGrad[i] != null) res.failures.push(`grad of input ${i}: present on CUDA, absent on the CPU`);
    } else check(gpuGrad[i], g, `grad of input ${i}`);
  });
  // Determinism: a second run is bitwise the same.
  const again = forward(op, c.attrs, fresh(), { device: 'cuda' });
  again.forEach((o, i) => {
    const first = gpuOut[i];
    if (first && !bitwiseEqual(o.data, first.data))
      res.failures.push(`output ${i}: a second CUDA run differs`);
  });
  const againGrad = backward(op, c.attrs, fresh(), cpuOut, gradOut, need, { device: 'cuda' });
  againGrad.forEach((g, i) => {
    const first = gpuGrad[i];
    if (g && first && !bitwiseEqual(g.data, first.data))
      res.failures.push(`grad of input ${i}: a second CUDA run differs`);
  });
  return res;
}
