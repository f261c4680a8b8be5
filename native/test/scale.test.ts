import { describe, expect, it } from 'vitest';
import { backward, forward, loadBinding } from '../lib/index.js';
import { scale } from './cases/scale.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(34);
const t = (s: number[]) => randTensor(s, r);

describe('scale', () => {
  float64Suite(scale);

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
