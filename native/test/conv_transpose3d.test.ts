import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backward,
  type ConvTranspose3dAttrs,
  forward,
  inferShapes,
  loadBinding,
  type RawTensor,
} from '../lib/index.js';
import { convTranspose3d } from './cases/conv_transpose3d.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(24);
const t = (shape: number[]) => randTensor(shape, r);

const binding = loadBinding();
const detected = binding.info().detectedIsa;
const order = ['portable', 'avx2', 'avx512'] as const;
const isas = order.slice(0, order.indexOf(detected) + 1);

describe.each(isas)('conv_transpose3d on %s', (isa) => {
  beforeAll(() => {
    expect(binding.setIsa(isa)).toBe(isa);
  });
  afterAll(() => {
    binding.setIsa(detected);
  });
  float64Suite(convTranspose3d);
});

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('conv_transpose3d determinism', () => {
  it('gives bitwise identical results on a second run and for 1 and 2 threads', () => {
    const attrs: ConvTranspose3dAttrs = { stride: 2, padding: 1, output_padding: 1 };
    const inputs = [t([2, 6, 3, 4, 5]), t([6, 5, 3, 3, 3]), t([5])];
    const before = binding.info().threads;
    const once = (threads: number) => {
      binding.setNumThreads(threads);
      const outs = forward('conv_transpose3d', attrs, inputs);
      const dy = randTensor((outs[0] as RawTensor).shape, rng(3));
      const grads = backward('conv_transpose3d', attrs, inputs, outs, [dy], [true, true, true]);
      return [...outs, ...grads].map((g) => bits((g as RawTensor).data));
    };
    try {
      const a = once(2);
      expect(once(2)).toEqual(a);
      expect(once(1)).toEqual(a);
    } finally {
      binding.setNumThreads(before);
    }
  });
});

describe('conv_transpose3d errors', () => {
  const x = t([1, 4, 3, 3, 3]);
  const w = t([4, 2, 3, 3, 3]);
  const run = (attrs: ConvTranspose3dAttrs, inputs: readonly (RawTensor | null)[]) => () =>
    forward('conv_transpose3d', attrs, inputs);
  it.each([
    [
      'negative padding',
      { padding: [0, -2, 0] },
      [x, w, null],
      RangeError,
      ['conv_transpose3d', 'padding', 'H = -2'],
    ],
    ['zero stride', { stride: 0 }, [x, w, null], RangeError, ['conv_transpose3d', 'stride']],
    [
      'output_padding not below stride or dilation',
      { stride: 2, output_padding: 2 },
      [x, w, null],
      RangeError,
      ['conv_transpose3d', 'output_padding [2, 2, 2]', 'smaller than the stride'],
    ],
    [
      'weight input channels not C',
      {},
      [x, t([3, 2, 3, 3, 3]), null],
      TypeError,
      ['conv_transpose3d', '4 input channels', 'got 3'],
    ],
    [
      'channels not divisible by groups',
      { groups: 3 },
      [x, w, null],
      TypeError,
      ['conv_transpose3d', 'groups = 3'],
    ],
    [
      'bias of the wrong length',
      {},
      [x, w, t([4])],
      TypeError,
      ['conv_transpose3d', 'b must have shape [2]'],
    ],
    [
      'padding that leaves no output',
      { padding: 3 },
      [x, w, null],
      RangeError,
      ['conv_transpose3d', 'would be -1', 'padding is too large'],
    ],
    [
      'unknown attribute',
      { output_size: 4 } as ConvTranspose3dAttrs,
      [x, w, null],
      TypeError,
      ["unknown attribute 'output_size'"],
    ],
  ] as const)('rejects %s', (_name, attrs, inputs, type, fragments) =>
    expectThrows(run(attrs as ConvTranspose3dAttrs, inputs), type, ...fragments),
  );
  it('infers PyTorch output shapes', () => {
    expect(
      inferShapes('conv_transpose3d', { stride: 2 }, [[1, 64, 6, 32, 32], [64, 32, 2, 2, 2], [32]]),
    ).toEqual([[1, 32, 12, 64, 64]]);
    expect(
      inferShapes('conv_transpose3d', { stride: 2, padding: 1, output_padding: 1 }, [
        [1, 8, 5, 5, 5],
        [8, 4, 3, 3, 3],
        null,
      ]),
    ).toEqual([[1, 4, 10, 10, 10]]);
  });
});
