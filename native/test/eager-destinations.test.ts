/**
 * Eager calls into caller-owned arrays (`forward(..., { out })`, `backward(..., { gradInputs })`):
 * the results are bitwise those of a call that allocates, whatever the arrays held before (they
 * are prefilled with NaN, so an element the kernel did not write would show), the given arrays
 * are the ones returned, and bad destinations are refused naming the op and the array.
 */
import { describe, expect, it } from 'vitest';
import { backward, forward, type OpAttrs, type OpName, type RawTensor } from '../lib/index.js';
import { randTensor, rng } from './support/numeric.js';
import { expectThrows } from './support/testing.js';

const r = rng(21);
const t = (shape: number[]) => randTensor(shape, r);
const nanLike = (x: RawTensor) => ({
  data: new Float32Array(x.data.length).fill(Number.NaN),
  shape: [...x.shape],
});
const hex = (x: RawTensor | null) =>
  x ? Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength).toString('hex') : null;

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
    name: 'conv3d backward-weight only',
    op: 'conv3d',
    attrs: { stride: 2, padding: 1 },
    inputs: [t([1, 3, 8, 8, 8]), t([4, 3, 3, 3, 3]), null],
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
    need: [true, true, true],
  },
] as Case[];

describe('eager calls into caller-owned arrays', () => {
  it.each(cases)(
    '$name: bitwise the allocating call, every element written',
    ({ op, attrs, inputs, need }) => {
      const want = forward(op, attrs, inputs);
      const out = want.map(nanLike);
      const got = forward(op, attrs, inputs, { out });
      expect(got.map((o) => o.data)).toEqual(out.map((o) => o.data)); // the given arrays, returned
      for (const [i, o] of got.entries()) expect(o.data).toBe(out[i]?.data);
      expect(got.map(hex)).toEqual(want.map(hex));

      const r2 = rng(5);
      const gradOut = want.map((o) => randTensor([...o.shape], r2));
      const wantGrad = backward(op, attrs, inputs, want, gradOut, need);
      const into = inputs.map((x, i) => (x && need[i] ? nanLike(x) : null));
      const gotGrad = backward(op, attrs, inputs, want, gradOut, need, { gradInputs: into });
      gotGrad.forEach((g, i) => {
        if (into[i]) expect(g?.data).toBe(into[i]?.data);
      });
      expect(gotGrad.map(hex)).toEqual(wantGrad.map(hex));
      // A second call into the same arrays (what a benchmark or a loop does) gives the same bits.
      expect(forward(op, attrs, inputs, { out }).map(hex)).toEqual(want.map(hex));
    },
  );

  it('null entries are allocated fresh', () => {
    const x = t([3, 4]);
    const [y] = forward('relu', {}, [x], { out: [null] });
    expect(hex(y as RawTensor)).toBe(hex(forward('relu', {}, [x])[0] as RawTensor));
  });

  const x = t([2, 3, 4]);
  const y = forward('relu', {}, [x])[0] as RawTensor;
  const shared = new Float32Array(48);
  const errors: { name: string; call: () => unknown; fragments: string[] }[] = [
    {
      name: 'an output of the wrong shape',
      call: () => forward('relu', {}, [x], { out: [t([2, 3, 5])] }),
      fragments: ['relu', 'outputs[0]', '[2, 3, 5]', '[2, 3, 4]'],
    },
    {
      name: 'an output that is the input (kernels read while they write)',
      call: () => forward('relu', {}, [x], { out: [x] }),
      fragments: ['relu', 'outputs[0]', 'shares memory with a tensor the call reads'],
    },
    {
      name: 'an output overlapping the input through another view',
      call: () => {
        const big = t([48]);
        const a = { data: big.data.subarray(0, 24), shape: [2, 3, 4] };
        const b = { data: big.data.subarray(12, 36), shape: [2, 3, 4] };
        return forward('relu', {}, [a], { out: [b] });
      },
      fragments: ['outputs[0]', 'shares memory with a tensor the call reads'],
    },
    {
      name: 'outputs not an array of the output count',
      call: () => forward('relu', {}, [x], { out: [] }),
      fragments: ['relu', 'outputs', 'array of 1'],
    },
    {
      name: 'a gradient array that is the output gradient',
      call: () => backward('relu', {}, [x], [y], [y], [true], { gradInputs: [y] }),
      fragments: ['relu', 'gradInputs[0]', 'shares memory with a tensor the call reads'],
    },
    {
      name: 'one array for two gradients',
      call: () =>
        backward('add', {}, [x, t([2, 3, 4])], [y], [t([2, 3, 4])], [true, true], {
          gradInputs: [
            { data: shared.subarray(0, 24), shape: [2, 3, 4] },
            { data: shared.subarray(0, 24), shape: [2, 3, 4] },
          ],
        }),
      fragments: ['add', 'gradInputs[1]', 'shares memory with gradInputs[0]'],
    },
    {
      name: 'a gradient array of the wrong type',
      call: () =>
        backward('relu', {}, [x], [y], [y], [true], {
          gradInputs: [{ data: new Float64Array(24), shape: [2, 3, 4] } as never],
        }),
      fragments: ['relu', 'Float32Array'],
    },
  ];
  it.each(errors)('$name: TypeError', ({ call, fragments }) => expectThrows(call, TypeError, ...fragments));
});
