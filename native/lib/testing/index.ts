/**
 * `@deepsc/native/testing`: the checks DeepSC's own op tests use, for authors of op plugins
 * (docs/custom-ops.md). A case table per op; each case's forward is compared with a float64
 * reference you write, its backward with central differences of that reference, its declared
 * backward reads and (optionally) its determinism are checked, and where a GPU is present CUDA
 * is compared with the CPU. Framework-free: failures throw {@link OpCheckError}.
 *
 * @example
 * import { checkOp, randTensor, rng } from '@deepsc/native/testing';
 * const r = rng(1);
 * const ref = ([x]) => [{ data: x.data.map((v) => v / (1 + Math.exp(-v))), shape: x.shape }];
 * checkOp('my_swish', { name: '[2, 3]', attrs: {}, inputs: [randTensor([2, 3], r)] }, ref);
 * @module
 */
export {
  assertClose,
  bitwiseEqual,
  type CheckOptions,
  checkOp,
  numericGrad,
  type OpCase,
  OpCheckError,
  type Reference,
  type Tolerance,
} from './check-op.js';
export { type CudaCase, type CudaComparison, compareWithCuda, cudaDeviceAvailable } from './compare-cuda.js';
export { closeness, numel, type Ref, randTensor, rng, toRef } from './numeric.js';
