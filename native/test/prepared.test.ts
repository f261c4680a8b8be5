/**
 * Prepared op calls (`prepare(op, attrs, shapes)`): forward and backward into caller-owned
 * arrays give bitwise the results of the eager calls, whatever the arrays held (prefilled with
 * NaN, so an element a kernel did not write would show), call after call; the shapes bound at
 * prepare are reported; and every misuse is refused naming the op and the argument.
 */
import { describe, expect, it } from 'vitest';
import {
  backward,
  forward,
  loadBinding,
  type OpAttrs,
  type OpName,
  prepare,
  type RawTensor,
} from '../lib/index.js';
import { randTensor, rng } from './support/numeric.js';
import { expectThrows } from './support/testing.js';

const r = rng(33);
const t = (shape: number[]) => randTensor(shape, r);
const nan = (n: number) => new Float32Array(n).fill(Number.NaN);
const hex = (x: Float32Array | null | undefined) =>
  x ? Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex') : null;

interface Case<K extends OpName = OpName> {
  name: string;
  op: K;
  attrs: OpAttrs[K];
  inputs: (RawTensor | null)[];
  need: boolean[];
}

const cases: Case[] = [
  { name: 'relu', op: 'relu', attrs: {}, inputs: [t([2, 3, 4, 5, 6])], need: [true] },
  {
    name: 'conv3d with bias (workspace, three gradients)',
    op: 'conv3d',
    attrs: { padding: 1 },
    inputs: [t([1, 4, 6, 8, 8]), t([5, 4, 3, 3, 3]), t([5])],
    need: [true, true, true],
  },
  {
    name: 'conv3d 1x1x1 strided, no bias, weight gradient only',
    op: 'conv3d',
    attrs: { stride: 2 },
    inputs: [t([1, 3, 8, 8, 8]), t([4, 3, 1, 1, 1]), null],
    need: [false, true, false],
  },
  {
    name: 'group_norm (statistics workspace)',
    op: 'group_norm',
    attrs: { groups: 2 },
    inputs: [t([2, 4, 3, 5, 7]), t([4]), t([4])],
    need: [true, true, true],
  },
  {
    name: 'concat of three',
    op: 'concat',
    attrs: { axis: 1 },
    inputs: [t([1, 2, 3]), t([1, 1, 3]), t([1, 4, 3])],
    need: [true, false, true],
  },
  {
    name: 'cross_entropy (a label input without gradient)',
    op: 'cross_entropy',
    attrs: {},
    inputs: [t([2, 3, 4]), { data: Float32Array.from([0, 1, 2, 1, 0, 2, 2, 1]), shape: [2, 4] }, null],
    need: [true, false, false],
  },
] as Case[];

describe('prepared op calls', () => {
  it.each(cases)(
    '$name: bitwise the eager calls, every element written, twice',
    ({ op, attrs, inputs, need }) => {
      const p = prepare(
        op,
        attrs,
        inputs.map((x) => (x ? x.shape : null)),
      );
      try {
        const want = forward(op, attrs, inputs);
        expect(p.outputShapes).toEqual(want.map((o) => o.shape));
        expect(p.inputShapes).toEqual(inputs.map((x) => (x ? x.shape : null)));
        const data = inputs.map((x) => (x ? x.data : null));
        const out = want.map((o) => nan(o.data.length));
        for (let call = 0; call < 2; call++) {
          p.forward(data, out);
          expect(out.map(hex)).toEqual(want.map((o) => hex(o.data)));
        }
        const r2 = rng(9);
        const gradOut = want.map((o) => randTensor([...o.shape], r2));
        const wantGrad = backward(op, attrs, inputs, want, gradOut, need);
        const into = inputs.map((x, i) => (x && need[i] ? nan(x.data.length) : null));
        for (let call = 0; call < 2; call++) {
          p.backward(
            data,
            want.map((o) => o.data),
            gradOut.map((g) => g.data),
            into,
          );
          expect(into.map(hex)).toEqual(wantGrad.map((g) => hex(g?.data)));
        }
      } finally {
        p.dispose();
      }
    },
  );

  it('dispose is idempotent and frees the workspaces', () => {
    const before = loadBinding().memoryStats();
    const p = prepare('conv3d', { padding: 1 }, [[1, 4, 6, 8, 8], [5, 4, 3, 3, 3], null]);
    const x = t([1, 4, 6, 8, 8]);
    const w = t([5, 4, 3, 3, 3]);
    const y = new Float32Array(5 * 6 * 8 * 8);
    p.forward([x.data, w.data, null], [y]);
    p.backward([x.data, w.data, null], [y], [y.slice()], [new Float32Array(x.data.length), null, null]);
    p.dispose();
    p.dispose();
    expect(p.disposed).toBe(true);
    expect(loadBinding().memoryStats()).toEqual(before);
  });

  describe('misuse', () => {
    const shape = [2, 3, 4];
    const x = t(shape).data;
    const y = new Float32Array(24);
    const relu = () => prepare('relu', {}, [shape]);
    const addOf = () => prepare('add', {}, [shape, shape]);
    const conv = () => prepare('conv3d', {}, [[1, 2, 3, 3, 3], [2, 2, 1, 1, 1], null]);
    const errors: {
      name: string;
      call: () => unknown;
      type: ErrorConstructor;
      fragments: string[];
    }[] = [
      {
        name: 'an unknown op',
        call: () => prepare('rleu' as 'relu', {}, [shape]),
        type: TypeError,
        fragments: ['rleu'],
      },
      {
        name: 'shapes the op refuses (checked once, at prepare)',
        call: () => prepare('add', {}, [shape, [2, 3, 5]]),
        type: TypeError,
        fragments: ['add'],
      },
      {
        name: 'an input of the wrong length',
        call: () => relu().forward([new Float32Array(23)], [y]),
        type: TypeError,
        fragments: ['relu (prepared) forward', "input 'x'", '23 elements, expected 24', '[2, 3, 4]'],
      },
      {
        name: 'an output of the wrong length',
        call: () => relu().forward([x], [new Float32Array(25)]),
        type: TypeError,
        fragments: ['relu (prepared) forward', 'outputs[0]', '25 elements, expected 24'],
      },
      {
        name: 'the wrong number of inputs',
        call: () => addOf().forward([x], [y]),
        type: TypeError,
        fragments: ['add (prepared) forward', 'inputs has 1 entries, expected 2'],
      },
      {
        name: 'a missing required input',
        call: () => relu().forward([null], [y]),
        type: TypeError,
        fragments: ["input 'x' is missing", 'Float32Array of 24 elements'],
      },
      {
        name: 'an optional input given that was absent at prepare',
        call: () =>
          conv().forward(
            [new Float32Array(54), new Float32Array(4), new Float32Array(2)],
            [new Float32Array(54)],
          ),
        type: TypeError,
        fragments: ['conv3d (prepared) forward', "input 'b'", 'absent (null) at prepare'],
      },
      {
        name: 'a plain array instead of a Float32Array',
        call: () => relu().forward([Array.from(x) as never], [y]),
        type: TypeError,
        fragments: ["input 'x' must be a Float32Array"],
      },
      {
        name: 'a Float64Array output',
        call: () => relu().forward([x], [new Float64Array(24) as never]),
        type: TypeError,
        fragments: ['outputs[0] must be a Float32Array'],
      },
      {
        name: 'an output that is the input',
        call: () => relu().forward([x], [x]),
        type: TypeError,
        fragments: ['outputs[0] shares memory with a tensor the call reads'],
      },
      {
        name: 'a gradient written over the output gradient',
        call: () => {
          const g = new Float32Array(24);
          return relu().backward([x], [y], [g], [g]);
        },
        type: TypeError,
        fragments: ['relu (prepared) backward', 'gradInputs[0] shares memory'],
      },
      {
        name: 'one array for two gradients',
        call: () => {
          const g = new Float32Array(24);
          return addOf().backward([x, t(shape).data], [y], [t(shape).data], [g, g]);
        },
        type: TypeError,
        fragments: ['gradInputs[1] shares memory with gradInputs[0]'],
      },
      {
        name: 'no gradient asked',
        call: () => relu().backward([x], [y], [t(shape).data], [null]),
        type: TypeError,
        fragments: ['asks for no gradient'],
      },
      {
        name: 'a gradient asked of a label',
        call: () =>
          prepare('cross_entropy', {}, [[1, 2, 3], [1, 3], null]).backward(
            [new Float32Array(6), new Float32Array(3), null],
            [new Float32Array(1)],
            [new Float32Array(1)],
            [new Float32Array(6), new Float32Array(3), null],
          ),
        type: TypeError,
        fragments: ["input 'target' has no gradient"],
      },
      {
        name: 'a missing output gradient',
        call: () => relu().backward([x], [y], [null as never], [new Float32Array(24)]),
        type: TypeError,
        fragments: ['gradOutputs[0] is missing'],
      },
      {
        name: 'a call after dispose',
        call: () => {
          const p = relu();
          p.dispose();
          return p.forward([x], [y]);
        },
        type: Error,
        fragments: ['relu (prepared) forward', 'disposed', 'prepare it again'],
      },
    ];
    it.each(errors)('$name', ({ call, type, fragments }) => expectThrows(call, type, ...fragments));
  });
});
