/**
 * Runs one CUDA-vs-CPU case and reports every mismatch as text (no test runner), so the
 * vitest suite (native/test/cuda.test.ts) and the plain GPU runner (run-checks.ts) share it.
 */
import {
  backward,
  cudaBackward,
  cudaForward,
  forward,
  type OpName,
  type RawTensor,
} from '../../lib/index.js';
import { closeness, randTensor, rng } from '../support/numeric.js';
import type { CudaCase, OpTable } from './table.js';

export interface CaseResult {
  /** Empty when the case passed. */
  failures: string[];
  /** Worst |cuda - cpu| / (atol + rtol |cpu|) over outputs and gradients (<= 1 passes). */
  worst: number;
  /** Worst relative error |cuda - cpu| / max|cpu| over outputs and gradients, for the record. */
  relErr: number;
}

function bitwiseEqual(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

export function compareCase<K extends OpName>(table: OpTable<K>, c: CudaCase<K>): CaseResult {
  const res: CaseResult = { failures: [], worst: 0, relErr: 0 };
  const { op, tol } = table;
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
  const gpuOut = cudaForward(op, c.attrs, gpuIn);
  if (gpuOut.length !== cpuOut.length)
    res.failures.push(`${gpuOut.length} outputs on CUDA, ${cpuOut.length} on the CPU`);
  for (const [i, o] of cpuOut.entries()) check(gpuOut[i], o, `output ${i}`);
  for (const [i, x] of cpuIn.entries()) if (x) check(gpuIn[i], x, `input ${i} after forward`);
  // The gradient seeds depend only on the case, so a rerun draws the same ones.
  const r = rng(7);
  const gradOut = cpuOut.map((o) => randTensor([...o.shape], r));
  const need = c.needGrad ?? c.inputs.map((x) => x !== null);
  const cpuGrad = backward(op, c.attrs, fresh(), cpuOut, gradOut, need);
  const gpuGrad = cudaBackward(op, c.attrs, fresh(), cpuOut, gradOut, need);
  cpuGrad.forEach((g, i) => {
    if (g === null) {
      if (gpuGrad[i] != null) res.failures.push(`grad of input ${i}: present on CUDA, absent on the CPU`);
    } else check(gpuGrad[i], g, `grad of input ${i}`);
  });
  // Determinism: the kernels use no atomics, so a second run is bitwise the same.
  const again = cudaForward(op, c.attrs, fresh());
  again.forEach((o, i) => {
    const first = gpuOut[i];
    if (first && !bitwiseEqual(o.data, first.data))
      res.failures.push(`output ${i}: a second CUDA run differs`);
  });
  const againGrad = cudaBackward(op, c.attrs, fresh(), cpuOut, gradOut, need);
  againGrad.forEach((g, i) => {
    const first = gpuGrad[i];
    if (g && first && !bitwiseEqual(g.data, first.data))
      res.failures.push(`grad of input ${i}: a second CUDA run differs`);
  });
  return res;
}
