import { describe, expect, it } from 'vitest';
import { backward, forward, loadBinding } from '../lib/index.js';
import { checkOpSampled } from './support/check-sampled.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

const reference = ([x, s]: (Ref | null)[]): Ref[] => {
  const k = (s as Ref).data[0] as number;
  return [{ data: (x as Ref).data.map((v) => v * k), shape: (x as Ref).shape }];
};

const r = rng(34);
const t = (s: number[]) => randTensor(s, r);
const cases: OpCase<'scale'>[] = [
  { name: '[1]', attrs: {}, inputs: [t([1]), t([1])] },
  { name: 'odd 5D [2,3,5,7,9]', attrs: {}, inputs: [t([2, 3, 5, 7, 9]), t([1])] },
  { name: 'several reduction chunks [40003]', attrs: {}, inputs: [t([40003]), t([1])] },
];

describe('scale', () => {
  it.each(cases)('$name', (c) => checkOpSampled('scale', c, reference));

  it('ds is bitwise the same for 1 and 3 threads', () => {
    const binding = loadBinding();
    const x = t([200001]);
    const s = { data: new Float32Array([0.7]), shape: [1] };
    const [y] = forward('scale', {}, [x, s]);
    const g = t([200001]);
    const before = binding.info().threads;
    try {
      binding.setNumThreads(1);
      const one = backward('scale', {}, [x, s], [y ?? x], [g], [false, true])[1]?.data[0];
      binding.setNumThreads(3);
      const three = backward('scale', {}, [x, s], [y ?? x], [g], [false, true])[1]?.data[0];
      expect(three).toBe(one);
    } finally {
      binding.setNumThreads(before);
    }
  });
  it('rejects s that is not [1]', () =>
    expectThrows(
      () => forward('scale', {}, [t([3]), t([3])]),
      TypeError,
      'scale',
      's must have shape [1]',
      '[3]',
    ));
  it('rejects a missing s', () =>
    expectThrows(() => forward('scale', {}, [t([3])]), TypeError, 'scale', 'expected 2 inputs'));
});
