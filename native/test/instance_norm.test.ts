import { describe, it } from 'vitest';
import { forward, type InstanceNormAttrs, type RawTensor } from '../lib/index.js';
import { instanceNorm } from './cases/instance_norm.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

type ErrorRow = [string, (RawTensor | null)[], object, ErrorConstructor, ...string[]];

const r = rng(12);

describe('instance_norm', () => {
  float64Suite(instanceNorm);

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
