import type { GroupNormAttrs } from '../../lib/index.js';
import { groupNorm64 } from '../support/norm-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(11);
const reference =
  (attrs: GroupNormAttrs) =>
  ([x, gamma, beta]: (Ref | null)[]): Ref[] => [
    groupNorm64(x as Ref, gamma ?? null, beta ?? null, attrs.groups, attrs.eps ?? 1e-5),
  ];

const gn = (
  name: string,
  attrs: GroupNormAttrs,
  shape: number[],
  affine: 'gamma+beta' | 'gamma' | 'none',
  extra = {},
) => {
  const c = shape[1] as number;
  const inputs = [
    randTensor(shape, r),
    affine === 'none' ? null : randTensor([c], r, 0.5, 1.5),
    affine === 'gamma+beta' ? randTensor([c], r) : null,
  ];
  return { name, attrs, inputs, ...extra } as OpCase<'group_norm'>;
};

const shifted = (shape: number[], offset: number) => {
  const t = randTensor(shape, r);
  t.data.forEach((v, i) => {
    t.data[i] = v + offset;
  });
  return t;
};

const float64Cases: OpCase<'group_norm'>[] = [
  gn('5D odd [1,4,3,5,7], 2 groups', { groups: 2 }, [1, 4, 3, 5, 7], 'gamma+beta'),
  gn('size-1 spatial [2,6,1,1,9], 3 groups, gamma only', { groups: 3 }, [2, 6, 1, 1, 9], 'gamma'),
  gn('rank 3 [2,3,5], 1 group, no affine', { groups: 1 }, [2, 3, 5], 'none'),
  gn('rank 4 [1,2,2,3], 2 groups', { groups: 2 }, [1, 2, 2, 3], 'gamma+beta'),
  gn('one channel per group [1,8,3,3,17]', { groups: 8, eps: 1e-3 }, [1, 8, 3, 3, 17], 'gamma+beta'),
  gn('rows over one chunk [1,2,20,30,31], 1 group', { groups: 1 }, [1, 2, 20, 30, 31], 'gamma+beta'),
  {
    name: 'offset mean (x + 20)',
    attrs: { groups: 2 },
    inputs: [shifted([2, 4, 3, 4, 5], 20), randTensor([4], r), randTensor([4], r)],
    tol: { rtol: 1e-4, atol: 1e-4 },
    gradTol: { rtol: 5e-3, atol: 5e-4 },
  },
];

const t = tensors(21);
const affine = (c: number) => [t([c], 0.5, 1.5), t([c])];

export const groupNorm: OpTable<'group_norm'> = {
  op: 'group_norm',
  reference: reference,
  probes: 400,
  skipEmpty: false,
  // Statistics and gradient sums in double on both sides but over different partial orders
  // (the CPU's float lanes per chunk, the GPU's block trees), and dx = a g + b x + d cancels.
  cudaTol: { rtol: 1e-4, atol: 1e-4 },
  cases: [
    ...withChecks<'group_norm'>(float64Only, float64Cases),
    ...withChecks<'group_norm'>(cudaOnly, [
      {
        name: '5D odd [1,4,3,5,7], 2 groups',
        attrs: { groups: 2 },
        inputs: [t([1, 4, 3, 5, 7]), ...affine(4)],
      },
      {
        name: 'size-1 spatial [2,6,1,1,9], 3 groups, gamma only',
        attrs: { groups: 3 },
        inputs: [t([2, 6, 1, 1, 9]), t([6], 0.5, 1.5), null],
      },
      {
        name: 'rank 3 [2,3,5], 1 group, no affine',
        attrs: { groups: 1 },
        inputs: [t([2, 3, 5]), null, null],
      },
      { name: 'rank 4 [3,2,2,3], beta only', attrs: { groups: 2 }, inputs: [t([3, 2, 2, 3]), null, t([2])] },
      {
        name: 'one channel per group [1,8,3,3,17], eps 1e-3',
        attrs: { groups: 8, eps: 1e-3 },
        inputs: [t([1, 8, 3, 3, 17]), ...affine(8)],
      },
      {
        name: 'several blocks per row [2,4,7,9,11], 2 groups',
        attrs: { groups: 2 },
        inputs: [t([2, 4, 7, 9, 11]), ...affine(4)],
      },
      {
        name: 'two chunks per row [1,2,20,30,31], 1 group',
        attrs: { groups: 1 },
        inputs: [t([1, 2, 20, 30, 31]), ...affine(2)],
      },
    ]),
  ],
};
