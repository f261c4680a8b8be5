/**
 * An op's name is written in several places outside its own files (ops.def, OpAttrs, the graph
 * builder, the CUDA list, the case tables): they must agree, and OpAttrs must name exactly the
 * attributes the engine's parse accepts. Each check is shown to fail on a doctored copy.
 */
import { describe, expect, it } from 'vitest';
import { tables } from './cases/index.js';
import { casesFor } from './cases/table.js';
import { camelName, macroNames, type OpLists, opListProblems, readOpLists } from './support/op-lists.js';

const real = readOpLists(tables.map((t) => ({ op: t.op, cudaCases: casesFor(t, 'cuda').length })));

describe('op lists: the repository', () => {
  it('every list names the same ops, and OpAttrs the engine attributes', () => {
    expect(opListProblems(real)).toEqual([]);
  });
  it('the lists were read (not vacuously equal)', () => {
    expect(real.opsDef.length).toBeGreaterThanOrEqual(28);
    expect(real.opsDef).toContain('leaky_relu');
    expect(real.engineAttrs.leaky_relu).toEqual(['slope']);
    expect(real.tsAttrs.conv3d?.sort()).toEqual(['dilation', 'groups', 'padding', 'stride']);
    expect(real.builder.leakyRelu).toBe('leaky_relu');
    expect(real.cudaDef).toContain('conv3d');
  });
});

const without = (list: string[], op: string) => list.filter((x) => x !== op);
const doctored: { name: string; edit: (l: OpLists) => OpLists; fragments: string[] }[] = [
  {
    name: 'an op in ops.def missing from OpAttrs',
    edit: (l) => ({
      ...l,
      tsAttrs: Object.fromEntries(Object.entries(l.tsAttrs).filter(([k]) => k !== 'sigmoid')),
    }),
    fragments: ["'sigmoid' is in ops.def but not in OpAttrs"],
  },
  {
    name: 'an OpAttrs entry for no op',
    edit: (l) => ({ ...l, tsAttrs: { ...l.tsAttrs, bogus: [] } }),
    fragments: ["'bogus' is in OpAttrs", 'but not in ops.def'],
  },
  {
    name: 'an engine older than ops.def',
    edit: (l) => ({
      ...l,
      opsDef: [...l.opsDef, 'bogus'],
      tsAttrs: { ...l.tsAttrs, bogus: [] },
      builder: { ...l.builder, bogus: 'bogus' },
      opTests: [...l.opTests, 'bogus'],
      caseTables: [...l.caseTables, 'bogus'],
    }),
    fragments: ["'bogus' is in ops.def but not in the loaded engine"],
  },
  {
    name: 'OpAttrs lacking an attribute the engine accepts',
    edit: (l) => ({ ...l, tsAttrs: { ...l.tsAttrs, focal: ['gamma'] } }),
    fragments: [
      "'focal': the engine accepts attribute 'class_weights' but OpAttrs['focal'] has no 'class_weights'",
    ],
  },
  {
    name: 'OpAttrs with an attribute the engine refuses',
    edit: (l) => ({ ...l, tsAttrs: { ...l.tsAttrs, relu: ['inplace'] } }),
    fragments: ["'relu': OpAttrs['relu'] has 'inplace' but the engine's parse does not accept it"],
  },
  {
    name: 'an op without a builder method',
    edit: (l) => ({
      ...l,
      builder: Object.fromEntries(Object.entries(l.builder).filter(([, op]) => op !== 'mse')),
    }),
    fragments: ["'mse' is in ops.def but not in the GraphBuilder methods"],
  },
  {
    name: 'a builder method for an op that does not exist',
    edit: (l) => ({ ...l, builder: { ...l.builder, bogus: 'bogus' } }),
    fragments: ["'bogus' is in the GraphBuilder methods", 'but not in ops.def'],
  },
  {
    name: 'a builder method not named after its op',
    edit: (l) => {
      const { leakyRelu: _, ...rest } = l.builder;
      return { ...l, builder: { ...rest, leaky: 'leaky_relu' } };
    },
    fragments: ["GraphBuilder.leaky emits 'leaky_relu': name it leakyRelu"],
  },
  {
    name: 'an op without a case table',
    edit: (l) => ({ ...l, caseTables: without(l.caseTables, 'resize') }),
    fragments: ["'resize' has no case table test/cases/resize.ts"],
  },
  {
    name: 'a case table for an op that does not exist',
    edit: (l) => ({ ...l, caseTables: [...l.caseTables, 'bogus'] }),
    fragments: ["'bogus' has a table in test/cases but is not in ops.def"],
  },
  {
    name: 'an op in ops_cuda.def whose table has no CUDA case',
    edit: (l) => ({ ...l, cudaCaseTables: without(l.cudaCaseTables, 'softmax') }),
    fragments: ["'softmax' is in ops_cuda.def but test/cases/softmax.ts has no case for the CUDA check"],
  },
  {
    name: 'an op without a CUDA kernel, its table without CUDA cases (allowed)',
    edit: (l) => ({
      ...l,
      cudaDef: without(l.cudaDef, 'softmax'),
      cudaFiles: without(l.cudaFiles, 'softmax'),
      cudaCaseTables: without(l.cudaCaseTables, 'softmax'),
    }),
    fragments: [],
  },
  {
    name: 'a .cu file not in ops_cuda.def',
    edit: (l) => ({ ...l, cudaDef: without(l.cudaDef, 'crop') }),
    fragments: ["'crop' is in src/cuda/<op>.cu but not in ops_cuda.def"],
  },
  {
    name: 'ops_cuda.def naming an op ops.def lacks',
    edit: (l) => ({
      ...l,
      cudaDef: [...l.cudaDef, 'bogus'],
      cudaFiles: [...l.cudaFiles, 'bogus'],
      cudaCaseTables: [...l.cudaCaseTables, 'bogus'],
    }),
    fragments: ["'bogus' is in ops_cuda.def but not in ops.def"],
  },
  {
    name: 'an op without a test file',
    edit: (l) => ({ ...l, opTests: without(l.opTests, 'paste') }),
    fragments: ["'paste' has no test file test/paste.test.ts"],
  },
];

describe('op lists: each check fails on a doctored copy', () => {
  it.each(doctored)('$name', ({ edit, fragments }) => {
    const problems = opListProblems(edit(structuredClone(real)));
    expect(problems).toHaveLength(fragments.length === 0 ? 0 : 1);
    for (const f of fragments) expect(problems[0]).toContain(f);
  });
});

describe('op lists: the readers', () => {
  it.each([
    {
      name: 'entries in order',
      text: 'DEEPSC_OP(add, Add)\nDEEPSC_OP(avg_pool3d, AvgPool3d)\n',
      want: ['add', 'avg_pool3d'],
    },
    {
      name: 'comments skipped',
      text: '// DEEPSC_OP(name, Type) is the form\nDEEPSC_OP(relu, Relu)\n',
      want: ['relu'],
    },
    { name: 'an empty list', text: '// nothing\n', want: [] },
  ])('macroNames: $name', ({ text, want }) => expect(macroNames(text, 'DEEPSC_OP')).toEqual(want));
  it.each([
    ['relu', 'relu'],
    ['leaky_relu', 'leakyRelu'],
    ['max_pool3d', 'maxPool3d'],
    ['conv_transpose3d', 'convTranspose3d'],
  ])('camelName(%s) = %s', (op, method) => expect(camelName(op)).toBe(method));
});
