import { describe, expect, it } from 'vitest';
import { type BatchNormAttrs, backward, forward, type RawTensor } from '../lib/index.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { channelAffine64, channelMoments64 } from './support/norm-reference.js';
import {
  checkOp,
  expectClose,
  expectThrows,
  type OpCase,
  type Ref,
  randTensor,
  rng,
  toRef,
} from './support/testing.js';

type ErrorRow = [string, object, (RawTensor | null)[], ErrorConstructor, ...string[]];

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

const cases: OpCase<'batch_norm'>[] = [
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

describe('batch_norm', () => {
  it.each(cases)('$name', (c) => checkOp('batch_norm', c, reference(c.attrs)));

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
