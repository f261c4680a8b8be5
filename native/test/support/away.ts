/**
 * A seeded tensor factory whose values are kept 0.05 away from 0: for ops with a kink there
 * (relu, leaky_relu), where central differences would straddle two slopes.
 */
import type { RawTensor } from '../../lib/index.js';
import { randTensor, rng } from '../support/numeric.js';

export function away(seed: number): (shape: number[]) => RawTensor {
  const r = rng(seed);
  return (shape) => {
    const t = randTensor(shape, r);
    t.data.forEach((v, i) => {
      t.data[i] = v >= 0 ? v + 0.05 : v - 0.05;
    });
    return t;
  };
}
