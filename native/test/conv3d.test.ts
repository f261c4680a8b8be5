import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backward,
  type Conv3dAttrs,
  forward,
  inferShapes,
  loadBinding,
  type RawTensor,
} from '../lib/index.js';
import { conv3d } from './cases/conv3d.js';
import { casesFor } from './cases/table.js';
import { conv3dAdjointRef, conv3dRef } from './support/conv-reference.js';
import { checkFloat64 } from './support/float64-suite.js';
import { expectClose, expectThrows, type OpCase, randTensor, rng, toRef } from './support/testing.js';

const r = rng(12);
const t = (shape: number[]) => randTensor(shape, r);

/** Forward against the float64 reference, every gradient against the float64 adjoint. */
function checkAgainstAdjoint(c: OpCase<'conv3d'>): void {
  const [x, w, b] = c.inputs as [RawTensor, RawTensor, RawTensor | null];
  const [y] = forward('conv3d', c.attrs, c.inputs);
  const yRef = conv3dRef(toRef(x), toRef(w), b ? toRef(b) : null, c.attrs);
  expectClose((y as RawTensor).data, yRef.data, { rtol: 1e-4, atol: 1e-4 }, `${c.name}: forward`);
  const dy = randTensor(yRef.shape, rng(17));
  const grads = backward('conv3d', c.attrs, c.inputs, [y as RawTensor], [dy], [true, true, b !== null]);
  const adj = conv3dAdjointRef(toRef(x), toRef(w), toRef(dy), c.attrs);
  const tol = { rtol: 1e-4, atol: 1e-4 };
  expectClose((grads[0] as RawTensor).data, adj.dx.data, tol, `${c.name}: dx`);
  expectClose((grads[1] as RawTensor).data, adj.dw.data, tol, `${c.name}: dw`);
  if (b) expectClose((grads[2] as RawTensor).data, adj.db.data, tol, `${c.name}: db`);
}

/** A case with several row chunks and work units per plane: checked against the float64 adjoint. */
function checkLarge(): void {
  const attrs: Conv3dAttrs = { padding: [0, 1, 1] };
  const x = randTensor([2, 1, 2, 40, 33], r);
  const w = randTensor([70, 1, 1, 3, 3], r);
  const b = randTensor([70], r);
  const [y] = forward('conv3d', attrs, [x, w, b]);
  const yRef = conv3dRef(toRef(x), toRef(w), toRef(b), attrs);
  expectClose((y as RawTensor).data, yRef.data, { rtol: 1e-4, atol: 1e-4 }, 'large forward');
  const dy = randTensor(yRef.shape, r);
  const [dx, dw, db] = backward('conv3d', attrs, [x, w, b], [y as RawTensor], [dy], [true, true, true]);
  const adj = conv3dAdjointRef(toRef(x), toRef(w), toRef(dy), attrs);
  expectClose((dx as RawTensor).data, adj.dx.data, { rtol: 1e-4, atol: 1e-4 }, 'large dx');
  expectClose((dw as RawTensor).data, adj.dw.data, { rtol: 1e-4, atol: 1e-3 }, 'large dw');
  expectClose((db as RawTensor).data, adj.db.data, { rtol: 1e-4, atol: 1e-3 }, 'large db');
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** forward + every gradient of one problem, as bit patterns. */
function runAll(attrs: Conv3dAttrs, inputs: RawTensor[]): Uint32Array[] {
  const outs = forward('conv3d', attrs, inputs);
  const dy = randTensor((outs[0] as RawTensor).shape, rng(5));
  const grads = backward('conv3d', attrs, inputs, outs, [dy], [true, true, true]);
  return [...outs, ...grads].map((g) => bits((g as RawTensor).data));
}

const binding = loadBinding();
const detected = binding.info().detectedIsa;
const order = ['portable', 'avx2', 'avx512'] as const;
const isas = order.slice(0, order.indexOf(detected) + 1);

describe.each(isas)('conv3d on %s', (isa) => {
  beforeAll(() => {
    expect(binding.setIsa(isa)).toBe(isa);
  });
  afterAll(() => {
    binding.setIsa(detected);
  });

  // Finite differences on the best ISA; the other paths against the float64 adjoint (the
  // same reference, differentiated by hand), which keeps the file fast.
  it.each(casesFor(conv3d, 'float64'))('$name', (c) =>
    isa === detected ? checkFloat64(conv3d, c) : checkAgainstAdjoint(c),
  );
  it('several row chunks and work units per plane, against the float64 adjoint', checkLarge);
});

describe('conv3d determinism', () => {
  const attrs: Conv3dAttrs = { stride: [1, 2, 2], padding: 1 };
  const inputs = [randTensor([3, 5, 6, 9, 10], r), randTensor([12, 5, 3, 3, 3], r), randTensor([12], r)];

  it('gives bitwise identical outputs and gradients on a second run', () => {
    expect(runAll(attrs, inputs)).toEqual(runAll(attrs, inputs));
  });
  it('gives bitwise identical results for 1, 2 and 3 threads', () => {
    const before = binding.info().threads;
    try {
      const runs = [1, 2, 3].map((n) => {
        binding.setNumThreads(n);
        return runAll(attrs, inputs);
      });
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[2]).toEqual(runs[0]);
    } finally {
      binding.setNumThreads(before);
    }
  });
});

describe('conv3d errors', () => {
  const x = t([1, 4, 5, 5, 5]);
  const w = t([6, 4, 3, 3, 3]);
  const run = (attrs: Conv3dAttrs, inputs: readonly (RawTensor | null)[]) => () =>
    forward('conv3d', attrs, inputs);
  it.each([
    ['negative padding', { padding: -1 }, [x, w, null], RangeError, ['conv3d', 'padding', '-1']],
    ['zero stride', { stride: [1, 0, 1] }, [x, w, null], RangeError, ['conv3d', 'stride', 'H = 0']],
    ['zero dilation', { dilation: 0 }, [x, w, null], RangeError, ['conv3d', 'dilation']],
    ['zero groups', { groups: 0 }, [x, w, null], RangeError, ['conv3d', 'groups', '0']],
    [
      'channels not divisible by groups',
      { groups: 3 },
      [x, t([6, 1, 3, 3, 3]), null],
      TypeError,
      ['conv3d', 'groups = 3'],
    ],
    [
      'weight channels not C/groups',
      { groups: 2 },
      [x, w, null],
      TypeError,
      ['conv3d', 'C/groups = 2', 'got 4'],
    ],
    [
      'output channels not divisible by groups',
      { groups: 4 },
      [x, t([6, 1, 3, 3, 3]), null],
      TypeError,
      ['conv3d', '6 output channels'],
    ],
    [
      'kernel larger than the padded input',
      {},
      [x, t([6, 4, 7, 3, 3]), null],
      RangeError,
      ['conv3d', 'larger than the padded input', '= 7'],
    ],
    [
      'dilated kernel larger than the padded input',
      { dilation: 4, padding: 1 },
      [x, w, null],
      RangeError,
      ['conv3d', '= 9', '= 7)'],
    ],
    ['bias of the wrong length', {}, [x, w, t([5])], TypeError, ['conv3d', 'b must have shape [6]', '[5]']],
    ['x of rank 4', {}, [t([4, 5, 5, 5]), w, null], TypeError, ['conv3d', 'rank 5', '[4, 5, 5, 5]']],
    [
      'unknown attribute',
      { strides: 2 } as Conv3dAttrs,
      [x, w, null],
      TypeError,
      ['conv3d', "unknown attribute 'strides'"],
    ],
    [
      'stride with two numbers',
      { stride: [1, 2] as unknown as number },
      [x, w, null],
      TypeError,
      ['conv3d', '3 numbers'],
    ],
    ['a missing weight', {}, [x, null, null], TypeError, ['conv3d', "input 'w' is required"]],
  ] as const)('rejects %s', (_name, attrs, inputs, type, fragments) =>
    expectThrows(run(attrs as Conv3dAttrs, inputs), type, ...fragments),
  );
  it('rejects a Float64Array input', () =>
    expectThrows(
      run({}, [{ data: new Float64Array(500) as unknown as Float32Array, shape: [1, 4, 5, 5, 5] }, w, null]),
      TypeError,
      'conv3d',
      'Float32Array',
    ));
  it('infers PyTorch output shapes', () => {
    expect(
      inferShapes('conv3d', { stride: 2, padding: 1 }, [[1, 1, 48, 256, 256], [32, 1, 3, 3, 3], null]),
    ).toEqual([[1, 32, 24, 128, 128]]);
    expect(inferShapes('conv3d', { dilation: [1, 2, 3] }, [[2, 3, 9, 9, 9], [4, 3, 3, 3, 3], [4]])).toEqual([
      [2, 4, 7, 5, 3],
    ]);
  });
});
