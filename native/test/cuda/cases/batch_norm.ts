import type { RawTensor } from '../../../lib/index.js';
import { type CudaCase, type OpTable, tensors } from '../table.js';

const t = tensors(23);

type Affine = 'affine' | 'none';
type Running = 'running' | 'none';

// x, gamma, beta, running_mean, running_var; the running statistics have no gradient.
function bn(
  name: string,
  attrs: CudaCase<'batch_norm'>['attrs'],
  shape: number[],
  affine: Affine,
  running: Running,
): CudaCase<'batch_norm'> {
  const c = shape[1] as number;
  const a: (RawTensor | null)[] = affine === 'affine' ? [t([c], 0.5, 1.5), t([c])] : [null, null];
  const r: (RawTensor | null)[] = running === 'running' ? [t([c]), t([c], 0.5, 2)] : [null, null];
  return { name, attrs, inputs: [t(shape), ...a, ...r], needGrad: [true, true, true, false, false] };
}

// Statistics and gradient sums in double on both sides but over different partial orders
// (the CPU's float lanes per chunk, the GPU's block trees), and dx = a g + b x + d cancels.
// The running statistics' in-place update is not compared here: the eager CUDA call
// (cudaForward) does not copy its inputs back to the host.
export const batchNorm: OpTable<'batch_norm'> = {
  op: 'batch_norm',
  tol: { rtol: 1e-4, atol: 1e-4 },
  cases: [
    bn(
      'train 5D odd [2,3,3,5,7], affine, running',
      { mode: 'train', momentum: 0.25 },
      [2, 3, 3, 5, 7],
      'affine',
      'running',
    ),
    bn('train [3,4,5,6], no affine, no running', { mode: 'train' }, [3, 4, 5, 6], 'none', 'none'),
    bn('train rank 2 [5,3]', { mode: 'train', eps: 1e-3 }, [5, 3], 'affine', 'none'),
    bn('train size-1 spatial [4,2,1,1,1]', { mode: 'train' }, [4, 2, 1, 1, 1], 'affine', 'running'),
    bn('train several blocks per row [2,3,6,7,9]', { mode: 'train' }, [2, 3, 6, 7, 9], 'affine', 'none'),
    bn('train two chunks per row [1,2,20,30,31]', { mode: 'train' }, [1, 2, 20, 30, 31], 'affine', 'running'),
    bn('eval 5D [2,3,3,5,7]', { mode: 'eval' }, [2, 3, 3, 5, 7], 'affine', 'running'),
    bn('eval [1,5,1,4,9], no affine', { mode: 'eval' }, [1, 5, 1, 4, 9], 'none', 'running'),
    bn('eval one value per channel [1,3]', { mode: 'eval' }, [1, 3], 'affine', 'running'),
    {
      name: 'eval, dx only',
      attrs: { mode: 'eval' },
      inputs: [t([2, 4, 3, 3, 3]), t([4]), t([4]), t([4]), t([4], 0.5, 2)],
      needGrad: [true, false, false, false, false],
    },
    {
      name: 'train, gamma and beta gradients only',
      attrs: { mode: 'train' },
      inputs: [t([2, 4, 3, 3, 3]), t([4]), t([4]), null, null],
      needGrad: [false, true, true, false, false],
    },
  ],
};
