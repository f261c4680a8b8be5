import { describe, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(3);

// Checks the registry makes for every op before any kernel runs.
describe('registry input checks', () => {
  const cases = [
    {
      name: 'a rank-0 required input',
      run: () => forward('relu', {}, [{ data: new Float32Array(1), shape: [] }]),
      fragments: ['relu', "input 'x' has rank 0"],
    },
    {
      name: 'a rank-0 optional input (it would look absent)',
      run: () =>
        forward('group_norm', { groups: 1 }, [
          randTensor([1, 2, 3, 3, 3], r),
          { data: new Float32Array(1), shape: [] },
          null,
        ]),
      fragments: ['group_norm', "input 'gamma' has rank 0", 'shape [1]'],
    },
    {
      name: 'an unknown op',
      run: () => inferShapes('no_such_op' as 'relu', {}, [[1]]),
      fragments: ["unknown op 'no_such_op'", 'relu'],
    },
  ];
  it.each(cases)('rejects $name', ({ run, fragments }) => expectThrows(run, TypeError, ...fragments));
});
