import { describe, expect, it } from 'vitest';
import {
  type ConfigIssue,
  describeConfigIssue,
  ModelConfigError,
  parseModelSections,
  type SectionSchema,
} from '../src/index.js';

const input = {
  patchSize: [0, 64, 64],
  preset: 'huge',
  depth: 3,
  deep: 'yes',
  width: 9000,
  nested: { a: 1 },
};
const issue = (o: Partial<ConfigIssue> & Pick<ConfigIssue, 'code' | 'path'>): ConfigIssue => ({
  message: 'bad',
  ...o,
});

describe('describeConfigIssue: one line naming the field, the value and what is allowed', () => {
  it.each([
    {
      issue: issue({ code: 'too_small', path: ['patchSize', 0], minimum: 1, inclusive: true }),
      line: 'model.patchSize[0]: got 0; must be >= 1',
    },
    {
      issue: issue({ code: 'too_small', path: ['patchSize', 0], minimum: 0, inclusive: false }),
      line: 'model.patchSize[0]: got 0; must be > 0',
    },
    {
      issue: issue({ code: 'too_big', path: ['width'], maximum: 4096 }),
      line: 'model.width: got 9000; must be <= 4096',
    },
    {
      issue: issue({ code: 'invalid_value', path: ['preset'], values: ['paper', 'cpu'] }),
      line: 'model.preset: got "huge"; allowed: "paper", "cpu"',
    },
    {
      issue: issue({ code: 'unrecognized_keys', path: [], keys: ['depth'] }),
      line: 'model.depth: unknown field; remove or check the spelling',
    },
    {
      issue: issue({ code: 'unrecognized_keys', path: ['nested'], keys: ['b', 'c'] }),
      line: 'model.nested.b, model.nested.c: unknown fields; remove or check the spelling',
    },
    {
      issue: issue({ code: 'invalid_type', path: ['deep'], expected: 'boolean' }),
      line: 'model.deep: expected boolean, got "yes"',
    },
    {
      issue: issue({ code: 'invalid_type', path: ['missing'], expected: 'number' }),
      line: 'model.missing: expected number, got nothing',
    },
    {
      issue: issue({ code: 'custom', path: ['nested', 'a'], message: 'must be even' }),
      line: 'model.nested.a: must be even (got 1)',
    },
  ])('$line', ({ issue: i, line }) => {
    expect(describeConfigIssue('model', i, input)).toBe(line);
  });
});

describe("describeConfigIssue with no section: the path is the field (the trainer's whole file)", () => {
  it.each([
    {
      issue: issue({ code: 'too_small', path: ['patchSize'], minimum: 3, origin: 'array' }),
      line: 'patchSize: got [0,64,64]; must be >= 3 items',
    },
    {
      issue: issue({ code: 'too_big', path: ['patchSize'], maximum: 2, inclusive: false, origin: 'array' }),
      line: 'patchSize: got [0,64,64]; must be < 2 items',
    },
    {
      issue: issue({ code: 'unrecognized_keys', path: [], keys: ['depth', 'deep'] }),
      line: 'depth, deep: unknown fields; remove or check the spelling',
    },
    {
      issue: issue({ code: 'unrecognized_keys', path: ['nested'], keys: ['b'] }),
      line: 'nested.b: unknown field; remove or check the spelling',
    },
    {
      issue: issue({ code: 'invalid_type', path: [], expected: 'object' }),
      line: '(top level): expected object, got {"patchSize":[0,64,64],"preset":"huge","depth":3,"deep":"yes","width":9000,"nested":{"a":1}}',
    },
    {
      issue: issue({ code: 'too_small', path: ['patchSize', 0], minimum: 1 }),
      line: 'patchSize[0]: got 0; must be >= 1',
    },
  ])('$line', ({ issue: i, line }) => {
    expect(describeConfigIssue('', i, input)).toBe(line);
  });
});

describe('ModelConfigError', () => {
  it('is a RangeError listing every problem, one per line', () => {
    const e = new ModelConfigError(['model.a: bad', 'loss.b: worse']);
    expect(e).toBeInstanceOf(RangeError);
    expect(e.name).toBe('ModelConfigError');
    expect(e.problems).toEqual(['model.a: bad', 'loss.b: worse']);
    expect(e.message).toBe('model.a: bad\nloss.b: worse');
  });
});

describe("parseModelSections: a model's `model` and `loss` sections through its schemas", () => {
  /** A schema (zod's `safeParse` shape) wanting `field` to be a number, and no other field. */
  const wants = (field: string): SectionSchema<Record<string, number>> => ({
    safeParse(input) {
      const o = input as Record<string, unknown>;
      const issues: ConfigIssue[] = [];
      if (typeof o[field] !== 'number')
        issues.push({ code: 'invalid_type', path: [field], message: 'bad', expected: 'number' });
      const extra = Object.keys(o).filter((k) => k !== field);
      if (extra.length) issues.push({ code: 'unrecognized_keys', path: [], message: 'bad', keys: extra });
      return issues.length
        ? { success: false, error: { issues } }
        : { success: true, data: o as Record<string, number> };
    },
  });
  const schemas = { model: wants('width'), loss: wants('weight') };
  it('gives both parsed sections; the model section’s `name` is the registry’s and not passed on', () => {
    expect(parseModelSections(schemas, { model: { name: 'm', width: 8 }, loss: { weight: 1 } })).toEqual({
      model: { width: 8 },
      loss: { weight: 1 },
    });
  });
  it.each([
    [
      'problems of both sections, each naming its field',
      { model: { width: 'x' }, loss: { weight: 1, extra: 2 } },
      ['model.width: expected number, got "x"', 'loss.extra: unknown field; remove or check the spelling'],
    ],
    [
      'an absent loss section read as {}',
      { model: { width: 8 } },
      ['loss.weight: expected number, got nothing'],
    ],
    [
      'a model section that is not an object, alone',
      { model: 'wide', loss: {} },
      ['model: expected object, got "wide"'],
    ],
    [
      'a model section that is an array',
      { model: [1], loss: { weight: 1 } },
      ['model: expected object, got [1]'],
    ],
  ] as const)('%s', (_what, sections, problems) => {
    let thrown: unknown;
    try {
      parseModelSections(schemas, sections);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ModelConfigError);
    expect((thrown as ModelConfigError).problems).toEqual(problems);
  });
});
