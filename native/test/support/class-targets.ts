/**
 * Seeded class-index targets and position masks for the class-loss case tables (test/cases/)
 * (cross_entropy, focal): targets are integers in [0, C) stored as floats, masks are 0 at
 * about a third of the positions and a weight in (0, 2) elsewhere.
 */
import type { RawTensor } from '../../lib/index.js';
import { numel, rng } from './numeric.js';

export function classData(seed: number) {
  const r = rng(seed);
  return {
    /** Class indices in [0, classes) of the given shape. */
    targets(shape: number[], classes: number): RawTensor {
      const data = new Float32Array(numel(shape));
      for (let i = 0; i < data.length; i++) data[i] = Math.min(classes - 1, Math.floor(r() * classes));
      return { data, shape };
    },
    /** Position weights: 0 with probability 1/3, else uniform in (0, 2). */
    mask(shape: number[]): RawTensor {
      const data = new Float32Array(numel(shape));
      for (let i = 0; i < data.length; i++) data[i] = r() < 1 / 3 ? 0 : 2 * r() + 1e-3;
      return { data, shape };
    },
    /** All zero: nothing counts, the loss and its gradient are 0. */
    zeros(shape: number[]): RawTensor {
      return { data: new Float32Array(numel(shape)), shape };
    },
  };
}
