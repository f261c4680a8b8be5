import { describe, it } from 'vitest';
import { forward, type GroupNormAttrs, type RawTensor } from '../lib/index.js';
import { groupNorm } from './cases/group_norm.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

type ErrorRow = [string, object, (RawTensor | null)[], ErrorConstructor, ...string[]];

const r = rng(11);

describe('group_norm', () => {
  float64Suite(groupNorm);

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
