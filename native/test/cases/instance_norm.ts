import type { InstanceNormAttrs } from '../../lib/index.js';
import { groupNorm64 } from '../support/norm-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(12);
const reference =
  (attrs: InstanceNormAttrs) =>
  ([x, gamma, beta]: (Ref | null)[]): Ref[] => {
    const t = x as Ref;
    return [groupNorm64(t, gamma ?? null, beta ?? null, t.shape[1] as number, attrs.eps ?? 1e-5)];
  };

const inorm = (
  name: string,
  shape: number[],
  affine: boolean,
  attrs: InstanceNormAttrs = {},
): OpCase<'instance_norm'> => {
  const c = shape[1] as number;
  return {
    name,
    attrs,
    inputs: [
      randTensor(shape, r),
      affine ? randTensor([c], r, 0.5, 1.5) : null,
      affine ? randTensor([c], r) : null,
    ],
  };
};

const float64Cases: OpCase<'instance_norm'>[] = [
  inorm('5D odd [2,3,3,5,7] with affine', [2, 3, 3, 5, 7], true),
  inorm('no affine [1,5,1,4,9]', [1, 5, 1, 4, 9], false),
  inorm('rank 3 [3,2,17], eps 1e-3', [3, 2, 17], true, { eps: 1e-3 }),
  inorm('rank 4 [1,1,6,11]', [1, 1, 6, 11], true),
];

const t = tensors(22);

export const instanceNorm: OpTable<'instance_norm'> = {
  op: 'instance_norm',
  reference: reference,
  probes: 400,
  skipEmpty: false,
  // group_norm's kernels (one channel per group): same reasons and tolerance.
  cudaTol: { rtol: 1e-4, atol: 1e-4 },
  cases: [
    ...withChecks<'instance_norm'>(float64Only, float64Cases),
    ...withChecks<'instance_norm'>(cudaOnly, [
      {
        name: '5D [2,3,4,5,6] with gamma and beta',
        attrs: {},
        inputs: [t([2, 3, 4, 5, 6]), t([3], 0.5, 1.5), t([3])],
      },
      { name: 'rank 3 [3,5,7], no affine', attrs: {}, inputs: [t([3, 5, 7]), null, null] },
      {
        name: 'size-1 dims [1,1,1,1,33], eps 1e-3',
        attrs: { eps: 1e-3 },
        inputs: [t([1, 1, 1, 1, 33]), t([1]), null],
      },
      {
        name: 'two chunks per row [1,2,17,33,31]',
        attrs: {},
        inputs: [t([1, 2, 17, 33, 31]), t([2]), t([2])],
      },
    ]),
  ],
};
