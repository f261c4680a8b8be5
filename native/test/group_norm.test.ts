import { describe, it } from 'vitest';
import { forward, type GroupNormAttrs, type RawTensor } from '../lib/index.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { groupNorm64 } from './support/norm-reference.js';
import { checkOp, expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

type ErrorRow = [string, object, (RawTensor | null)[], ErrorConstructor, ...string[]];

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

const cases: OpCase<'group_norm'>[] = [
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

describe('group_norm', () => {
  it.each(cases)('$name', (c) => checkOp('group_norm', c, reference(c.attrs)));

  it('is bitwise deterministic across thread counts', () =>
    expectBitwiseDeterministic(
      'group_norm',
      { groups: 2 },
      () => {
        const s = rng(3);
        return [randTensor([2, 4, 9, 40, 50], s), randTensor([4], s), randTensor([4], s)];
      },
      [true, true, true],
    ));

  const x = randTensor([1, 4, 2, 3, 5], r);
  it.each<ErrorRow>([
    ['rank 2', { groups: 1 }, [randTensor([2, 3], r), null, null], TypeError, 'rank 3 to 5', '[2, 3]'],
    ['rank 6', { groups: 1 }, [randTensor([1, 1, 1, 1, 1, 2], r), null, null], TypeError, 'rank 3 to 5'],
    ['C not divisible by groups', { groups: 3 }, [x, null, null], RangeError, 'C = 4', 'groups = 3'],
    [
      'gamma of the wrong length',
      { groups: 2 },
      [x, randTensor([3], r), null],
      TypeError,
      'gamma',
      '[4]',
      '[3]',
    ],
    ['beta of the wrong rank', { groups: 2 }, [x, null, randTensor([4, 1], r)], TypeError, 'beta', '[4, 1]'],
    [
      'an empty dimension',
      { groups: 1 },
      [{ data: new Float32Array(0), shape: [1, 2, 0, 3, 3] }, null, null],
      RangeError,
      'empty',
    ],
    ['groups 0', { groups: 0 }, [x, null, null], RangeError, 'groups must be >= 1, got 0'],
    ['missing groups', {}, [x, null, null], TypeError, "'groups' is required"],
    ['negative eps', { groups: 1, eps: -1 }, [x, null, null], RangeError, 'eps must be >= 0'],
    [
      'an unknown attribute',
      { groups: 1, group: 2 },
      [x, null, null],
      TypeError,
      "unknown attribute 'group'",
    ],
  ])('rejects %s', (_name, attrs, inputs, type, ...fragments) =>
    expectThrows(
      () => forward('group_norm', attrs as GroupNormAttrs, inputs),
      type,
      'group_norm',
      ...fragments,
    ),
  );
});
