import { describe, expect, it } from 'vitest';
import { type BatchNormAttrs, backward, forward, type RawTensor } from '../lib/index.js';
import { batchNorm } from './cases/batch_norm.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { float64Suite } from './support/float64-suite.js';
import { channelMoments64 } from './support/norm-reference.js';
import { expectClose, expectThrows, randTensor, rng, toRef } from './support/testing.js';

type ErrorRow = [string, object, (RawTensor | null)[], ErrorConstructor, ...string[]];

const r = rng(21);

describe('batch_norm', () => {
  float64Suite(batchNorm);

  it('updates the running statistics in place in train mode (unbiased variance), twice when run twice', () => {
    const x = randTensor([3, 2, 4, 5, 6], r);
    const mean = randTensor([2], r);
    const variance = randTensor([2], r, 0.5, 2);
    let wantMean = Array.from(mean.data, Number);
    let wantVar = Array.from(variance.data, Number);
    const m = channelMoments64(toRef(x));
    const unbiased = Array.from(m.variance, (v) => (v * m.count) / (m.count - 1));
    for (let step = 0; step < 2; step++) {
      forward('batch_norm', { mode: 'train', momentum: 0.25 }, [x, null, null, mean, variance]);
      wantMean = wantMean.map((v, i) => 0.75 * v + 0.25 * (m.mean[i] as number));
      wantVar = wantVar.map((v, i) => 0.75 * v + 0.25 * (unbiased[i] as number));
      expectClose(mean.data, wantMean, { rtol: 1e-5, atol: 1e-6 }, `running_mean after step ${step + 1}`);
      expectClose(variance.data, wantVar, { rtol: 1e-5, atol: 1e-6 }, `running_var after step ${step + 1}`);
    }
  });

  it('leaves the running statistics alone in eval mode and in backward', () => {
    const x = randTensor([2, 2, 3, 3, 3], r);
    const mean = randTensor([2], r);
    const variance = randTensor([2], r, 0.5, 2);
    const before = [Array.from(mean.data), Array.from(variance.data)];
    const [y] = forward('batch_norm', { mode: 'eval' }, [x, null, null, mean, variance]);
    backward(
      'batch_norm',
      { mode: 'train' },
      [x, null, null, mean, variance],
      [y!],
      [y!],
      [true, false, false, false, false],
    );
    expect([Array.from(mean.data), Array.from(variance.data)]).toEqual(before);
  });

  it('is bitwise deterministic across thread counts (outputs, gradients and running statistics)', () =>
    expectBitwiseDeterministic(
      'batch_norm',
      { mode: 'train' },
      () => {
        const s = rng(8);
        return [
          randTensor([2, 3, 9, 40, 30], s),
          randTensor([3], s),
          randTensor([3], s),
          randTensor([3], s),
          randTensor([3], s, 0.5, 2),
        ];
      },
      [true, true, true, false, false],
    ));

  const x = randTensor([2, 3, 2, 2, 2], r);
  const c3 = () => randTensor([3], r, 0.5, 1.5);
  it.each<ErrorRow>([
    ['a missing mode', {}, [x, null, null, null, null], TypeError, "'mode' is required"],
    [
      'an unknown mode',
      { mode: 'training' },
      [x, null, null, null, null],
      RangeError,
      "'training'",
      "'train', 'eval'",
    ],
    [
      'momentum above 1',
      { mode: 'train', momentum: 2 },
      [x, null, null, null, null],
      RangeError,
      'momentum',
      '2',
    ],
    [
      'eval without running statistics',
      { mode: 'eval' },
      [x, null, null, null, null],
      TypeError,
      "'eval' needs running_mean",
    ],
    [
      'running_mean without running_var',
      { mode: 'train' },
      [x, null, null, c3(), null],
      TypeError,
      'given together',
    ],
    [
      'running_var of the wrong length',
      { mode: 'eval' },
      [x, null, null, c3(), randTensor([4], r)],
      TypeError,
      'running_var',
      '[3]',
      '[4]',
    ],
    [
      'gamma of the wrong length',
      { mode: 'train' },
      [x, randTensor([2], r), null, null, null],
      TypeError,
      'gamma',
      '[3]',
      '[2]',
    ],
    [
      'train with one value per channel',
      { mode: 'train' },
      [randTensor([1, 3, 1, 1, 1], r), null, null, null, null],
      RangeError,
      'more than 1 value',
    ],
    ['rank 1', { mode: 'train' }, [randTensor([6], r), null, null, null, null], TypeError, 'rank 2 to 5'],
    ['negative eps', { mode: 'train', eps: -1 }, [x, null, null, null, null], RangeError, 'eps must be >= 0'],
  ])('rejects %s', (_n, attrs, inputs, type, ...fragments) =>
    expectThrows(
      () => forward('batch_norm', attrs as BatchNormAttrs, inputs),
      type,
      'batch_norm',
      ...fragments,
    ),
  );

  it('rejects a gradient request for running_mean', () => {
    const inputs = [x, null, null, c3(), c3()];
    const [y] = forward('batch_norm', { mode: 'eval' }, inputs);
    expectThrows(
      () => backward('batch_norm', { mode: 'eval' }, inputs, [y!], [y!], [true, false, false, true, false]),
      TypeError,
      'batch_norm',
      "'running_mean' has no gradient",
    );
  });
});
