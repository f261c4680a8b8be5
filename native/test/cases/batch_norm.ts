import type { BatchNormAttrs, RawTensor } from '../../lib/index.js';
import { channelAffine64, channelMoments64 } from '../support/norm-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(21);
const reference =
  (attrs: BatchNormAttrs) =>
  ([x, gamma, beta, mean, variance]: (Ref | null)[]): Ref[] => {
    const t = x as Ref;
    const eps = attrs.eps ?? 1e-5;
    if (attrs.mode === 'eval')
      return [
        channelAffine64(t, (mean as Ref).data, (variance as Ref).data, gamma ?? null, beta ?? null, eps),
      ];
    const m = channelMoments64(t);
    return [channelAffine64(t, m.mean, m.variance, gamma ?? null, beta ?? null, eps)];
  };

type Parts = 'affine' | 'plain';
const bn = (
  name: string,
  attrs: BatchNormAttrs,
  shape: number[],
  parts: Parts,
  running: 'running' | 'none',
): OpCase<'batch_norm'> => {
  const c = shape[1] as number;
  return {
    name,
    attrs,
    inputs: [
      randTensor(shape, r),
      parts === 'affine' ? randTensor([c], r, 0.5, 1.5) : null,
      parts === 'affine' ? randTensor([c], r) : null,
      running === 'running' ? randTensor([c], r, -0.3, 0.3) : null,
      running === 'running' ? randTensor([c], r, 0.5, 2) : null,
    ],
    grad: [true, parts === 'affine', parts === 'affine', false, false],
  };
};

const float64Cases: OpCase<'batch_norm'>[] = [
  bn('train 5D odd [2,3,3,5,7]', { mode: 'train' }, [2, 3, 3, 5, 7], 'affine', 'running'),
  bn('train without running statistics', { mode: 'train', momentum: 0.3 }, [3, 2, 2, 3, 5], 'affine', 'none'),
  bn('train rank 2 [5,4] (BatchNorm1d)', { mode: 'train' }, [5, 4], 'affine', 'running'),
  bn('train rank 3 [2,3,9], no affine', { mode: 'train', eps: 1e-3 }, [2, 3, 9], 'plain', 'running'),
  bn('train size-1 spatial [4,2,1,1,1]', { mode: 'train' }, [4, 2, 1, 1, 1], 'affine', 'running'),
  bn('train rows over one chunk [1,2,20,30,31]', { mode: 'train' }, [1, 2, 20, 30, 31], 'affine', 'running'),
  bn('eval 5D [2,3,3,5,7]', { mode: 'eval' }, [2, 3, 3, 5, 7], 'affine', 'running'),
  bn('eval [1,5,1,4,9], no affine', { mode: 'eval' }, [1, 5, 1, 4, 9], 'plain', 'running'),
  bn('eval one value per channel [1,3]', { mode: 'eval' }, [1, 3], 'affine', 'running'),
];

const t = tensors(23);

function bnCuda(
  name: string,
  attrs: OpCase<'batch_norm'>['attrs'],
  shape: number[],
  affine: 'affine' | 'none',
  running: 'running' | 'none',
): OpCase<'batch_norm'> {
  const c = shape[1] as number;
  const a: (RawTensor | null)[] = affine === 'affine' ? [t([c], 0.5, 1.5), t([c])] : [null, null];
  const r: (RawTensor | null)[] = running === 'running' ? [t([c]), t([c], 0.5, 2)] : [null, null];
  return { name, attrs, inputs: [t(shape), ...a, ...r], grad: [true, true, true, false, false] };
}

export const batchNorm: OpTable<'batch_norm'> = {
  op: 'batch_norm',
  reference: reference,
  probes: 400,
  skipEmpty: false,
  // x, gamma, beta, running_mean, running_var; the running statistics have no gradient.
  // Statistics and gradient sums in double on both sides but over different partial orders
  // (the CPU's float lanes per chunk, the GPU's block trees), and dx = a g + b x + d cancels.
  // The running statistics' in-place update is not compared here: the eager CUDA call
  // (forward with device 'cuda') does not copy its inputs back to the host.
  cudaTol: { rtol: 1e-4, atol: 1e-4 },
  cases: [
    ...withChecks<'batch_norm'>(float64Only, float64Cases),
    ...withChecks<'batch_norm'>(cudaOnly, [
      bnCuda(
        'train 5D odd [2,3,3,5,7], affine, running',
        { mode: 'train', momentum: 0.25 },
        [2, 3, 3, 5, 7],
        'affine',
        'running',
      ),
      bnCuda('train [3,4,5,6], no affine, no running', { mode: 'train' }, [3, 4, 5, 6], 'none', 'none'),
      bnCuda('train rank 2 [5,3]', { mode: 'train', eps: 1e-3 }, [5, 3], 'affine', 'none'),
      bnCuda('train size-1 spatial [4,2,1,1,1]', { mode: 'train' }, [4, 2, 1, 1, 1], 'affine', 'running'),
      bnCuda(
        'train several blocks per row [2,3,6,7,9]',
        { mode: 'train' },
        [2, 3, 6, 7, 9],
        'affine',
        'none',
      ),
      bnCuda(
        'train two chunks per row [1,2,20,30,31]',
        { mode: 'train' },
        [1, 2, 20, 30, 31],
        'affine',
        'running',
      ),
      bnCuda('eval 5D [2,3,3,5,7]', { mode: 'eval' }, [2, 3, 3, 5, 7], 'affine', 'running'),
      bnCuda('eval [1,5,1,4,9], no affine', { mode: 'eval' }, [1, 5, 1, 4, 9], 'none', 'running'),
      bnCuda('eval one value per channel [1,3]', { mode: 'eval' }, [1, 3], 'affine', 'running'),
      {
        name: 'eval, dx only',
        attrs: { mode: 'eval' },
        inputs: [t([2, 4, 3, 3, 3]), t([4]), t([4]), t([4]), t([4], 0.5, 2)],
        grad: [true, false, false, false, false],
      },
      {
        name: 'train, gamma and beta gradients only',
        attrs: { mode: 'train' },
        inputs: [t([2, 4, 3, 3, 3]), t([4]), t([4]), null, null],
        grad: [false, true, true, false, false],
      },
    ]),
  ],
};
