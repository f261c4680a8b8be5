import { describe, it } from 'vitest';
import { forward, type RawTensor } from '../lib/index.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { checkOp, expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

type ErrorRow = [string, (RawTensor | null)[], ErrorConstructor, ...string[]];

const r = rng(61);
const reference = ([x]: (Ref | null)[]): Ref[] => {
  const t = x as Ref;
  const [n, c] = t.shape as [number, number];
  const s = t.data.length / (n * c);
  const y = new Float64Array(n * c);
  for (let i = 0; i < n * c; i++) {
    let sum = 0;
    for (let k = 0; k < s; k++) sum += t.data[i * s + k] as number;
    y[i] = sum / s;
  }
  return [{ data: y, shape: [n, c] }];
};

const gp = (name: string, shape: number[]): OpCase<'global_avg_pool'> => ({
  name,
  attrs: {},
  inputs: [randTensor(shape, r)],
});
const cases: OpCase<'global_avg_pool'>[] = [
  gp('5D odd [2,3,3,5,7]', [2, 3, 3, 5, 7]),
  gp('size-1 spatial [1,4,1,1,1]', [1, 4, 1, 1, 1]),
  gp('rank 3 [3,2,17]', [3, 2, 17]),
  gp('rank 4 [1,1,6,11]', [1, 1, 6, 11]),
  gp('rows over one chunk [1,2,20,30,31]', [1, 2, 20, 30, 31]),
];

describe('global_avg_pool', () => {
  it.each(cases)('$name', (c) => checkOp('global_avg_pool', c, reference));

  it('is bitwise deterministic across thread counts', () =>
    expectBitwiseDeterministic('global_avg_pool', {}, () => [randTensor([2, 3, 9, 40, 50], rng(4))], [true]));

  it.each<ErrorRow>([
    ['rank 2', [randTensor([2, 3], r)], TypeError, 'rank 3 to 5', '[2, 3]'],
    ['rank 6', [randTensor([1, 1, 1, 1, 1, 2], r)], TypeError, 'rank 3 to 5'],
    ['an empty input', [{ data: new Float32Array(0), shape: [1, 2, 0, 2, 2] }], RangeError, 'empty'],
  ])('rejects %s', (_n, inputs, type, ...fragments) =>
    expectThrows(() => forward('global_avg_pool', {}, inputs), type, 'global_avg_pool', ...fragments),
  );
  it('rejects an attribute', () =>
    expectThrows(
      () => forward('global_avg_pool', { keepdim: true } as never, [randTensor([1, 1, 2], r)]),
      TypeError,
      "unknown attribute 'keepdim'",
    ));
});
