import type { MaxPool3dAttrs, RawTensor } from '../../lib/index.js';
import { distinctTensor, maxPool64, windowOf } from '../support/pool-reference.js';
import { type OpCase, type Ref, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(31);
const reference =
  (attrs: MaxPool3dAttrs) =>
  ([x]: (Ref | null)[]): Ref[] => [maxPool64(x as Ref, windowOf(attrs))];

const mp = (name: string, attrs: MaxPool3dAttrs, shape: number[]): OpCase<'max_pool3d'> => ({
  name,
  attrs,
  inputs: [distinctTensor(shape, r)],
});

const float64Cases: OpCase<'max_pool3d'>[] = [
  mp('kernel 2 stride 2 on odd sizes [1,2,5,7,9]', { kernel: 2 }, [1, 2, 5, 7, 9]),
  mp('kernel 3 stride 2 padding 1 [1,1,7,9,17]', { kernel: 3, stride: 2, padding: 1 }, [1, 1, 7, 9, 17]),
  mp('ceil_mode kernel 2 [2,1,5,5,7]', { kernel: 2, ceil_mode: true }, [2, 1, 5, 5, 7]),
  mp(
    'ceil_mode kernel 3 stride 2 padding 1 [1,2,6,7,9]',
    { kernel: 3, stride: 2, padding: 1, ceil_mode: true },
    [1, 2, 6, 7, 9],
  ),
  mp('dilation 2 [1,1,5,6,9]', { kernel: 2, stride: 1, dilation: 2 }, [1, 1, 5, 6, 9]),
  mp(
    'dilation 2 padding 1 stride 2 [1,1,6,7,11]',
    { kernel: 3, stride: 2, padding: 1, dilation: 2 },
    [1, 1, 6, 7, 11],
  ),
  mp(
    'anisotropic [1,2,3] stride [1,2,1] padding [0,1,1]',
    { kernel: [1, 2, 3], stride: [1, 2, 1], padding: [0, 1, 1] },
    [1, 2, 4, 5, 19],
  ),
  mp('size-1 dims [1,3,1,1,18], kernel [1,1,3] stride 2', { kernel: [1, 1, 3], stride: 2 }, [1, 3, 1, 1, 18]),
  mp('kernel 1 (identity) [2,2,2,3,4]', { kernel: 1 }, [2, 2, 2, 3, 4]),
  mp('stride 1 padding 1 over a width of 37', { kernel: 3, stride: 1, padding: 1 }, [1, 1, 2, 3, 37]),
  mp('whole volume in one window [1,2,3,3,3]', { kernel: 3 }, [1, 2, 3, 3, 3]),
];

const t = tensors(11);

/** Values in {-1, -0.5, 0, 0.5, 1}: windows full of ties, to check which maximum wins. */
function ties(shape: number[]): RawTensor {
  const x = t(shape);
  for (let i = 0; i < x.data.length; i++) x.data[i] = Math.round((x.data[i] as number) * 2) / 2;
  return x;
}

export const maxPool3d: OpTable<'max_pool3d'> = {
  op: 'max_pool3d',
  reference: reference,
  probes: 400,
  skipEmpty: false,
  // Exact: the same comparisons in the same (kd, kh, kw) order pick the same maximum, and each
  // input's gradient adds the same values in the same (od, oh, ow) order as the CPU's scatter
  // (disjoint windows: at most one value, 0 + g).
  cudaTol: { rtol: 0, atol: 0 },
  cases: [
    ...withChecks<'max_pool3d'>(float64Only, float64Cases),
    ...withChecks<'max_pool3d'>(cudaOnly, [
      { name: 'kernel 2 (stride 2) on odd sizes', attrs: { kernel: 2 }, inputs: [t([2, 3, 5, 7, 9])] },
      {
        name: 'kernel 3 stride 2 pad 1',
        attrs: { kernel: 3, stride: 2, padding: 1 },
        inputs: [t([1, 2, 9, 8, 7])],
      },
      {
        name: 'anisotropic window, ceil_mode',
        attrs: { kernel: [1, 2, 3], stride: [1, 2, 2], ceil_mode: true },
        inputs: [t([1, 3, 4, 5, 7])],
      },
      {
        name: 'dilation 2, stride 1 (overlapping windows)',
        attrs: { kernel: 2, stride: 1, dilation: 2 },
        inputs: [t([1, 2, 6, 5, 7])],
      },
      {
        name: 'ties: the first maximum in scan order takes the gradient',
        attrs: { kernel: 3, stride: 1, padding: 1 },
        inputs: [ties([1, 2, 5, 6, 4])],
      },
      {
        name: 'ties with stride 2 and ceil_mode',
        attrs: { kernel: 2, stride: 2, ceil_mode: true },
        inputs: [ties([2, 1, 5, 5, 5])],
      },
      {
        name: 'disjoint windows with gaps and dilation (the scatter path)',
        attrs: { kernel: 2, stride: 3, dilation: [2, 1, 2], padding: [1, 0, 1] },
        inputs: [t([2, 1, 8, 7, 9])],
      },
      {
        name: 'size-1 axes',
        attrs: { kernel: [1, 3, 1], stride: [1, 2, 1], padding: [0, 1, 0] },
        inputs: [t([1, 1, 1, 5, 1])],
      },
    ]),
  ],
};
