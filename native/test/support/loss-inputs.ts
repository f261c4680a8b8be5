/** Seeded inputs for the loss tests: class-index targets and masks as float tensors. */
import type { RawTensor } from '../../lib/index.js';

/** Class indices in [0, classes) as floats. */
export function classTarget(shape: number[], classes: number, rand: () => number): RawTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return {
    data: Float32Array.from({ length: n }, () => Math.min(classes - 1, Math.floor(rand() * classes))),
    shape,
  };
}

/** A mask with about `zeros` of its entries 0 and the rest in [0.5, 1.5) (`binary`: 1). */
export function randomMask(
  shape: number[],
  rand: () => number,
  zeros = 0.3,
  kind: 'binary' | 'weights' = 'binary',
): RawTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return {
    data: Float32Array.from({ length: n }, () => (rand() < zeros ? 0 : kind === 'binary' ? 1 : 0.5 + rand())),
    shape,
  };
}
