import { describe, it } from 'vitest';
import { forward, type InstanceNormAttrs, type RawTensor } from '../lib/index.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { groupNorm64 } from './support/norm-reference.js';
import { checkOp, expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

type ErrorRow = [string, (RawTensor | null)[], object, ErrorConstructor, ...string[]];

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

const cases: OpCase<'instance_norm'>[] = [
  inorm('5D odd [2,3,3,5,7] with affine', [2, 3, 3, 5, 7], true),
  inorm('no affine [1,5,1,4,9]', [1, 5, 1, 4, 9], false),
  inorm('rank 3 [3,2,17], eps 1e-3', [3, 2, 17], true, { eps: 1e-3 }),
  inorm('rank 4 [1,1,6,11]', [1, 1, 6, 11], true),
];

describe('instance_norm', () => {
  it.each(cases)('$name', (c) => checkOp('instance_norm', c, reference(c.attrs)));

  it('is bitwise deterministic across thread counts', () =>
    expectBitwiseDeterministic(
      'instance_norm',
      {},
      () => [randTensor([1, 3, 7, 50, 60], rng(4)), randTensor([3], rng(6)), null],
      [true, true, false],
    ));

  const x = randTensor([1, 4, 2, 3, 5], r);
  it.each<ErrorRow>([
    ['rank 2', [randTensor([2, 3], r), null, null], {}, TypeError, 'rank 3 to 5'],
    ['gamma of the wrong length', [x, randTensor([5], r), null], {}, TypeError, 'gamma', '[4]', '[5]'],
    ['negative eps', [x, null, null], { eps: -1e-5 }, RangeError, 'eps must be >= 0'],
    [
      'groups (not an attribute here)',
      [x, null, null],
      { groups: 2 },
      TypeError,
      "unknown attribute 'groups'",
    ],
  ])('rejects %s', (_n, inputs, attrs, type, ...fragments) =>
    expectThrows(
      () => forward('instance_norm', attrs as InstanceNormAttrs, inputs),
      type,
      'instance_norm',
      ...fragments,
    ),
  );
});
