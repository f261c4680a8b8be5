import { describe, expect, it } from 'vitest';
import { type ConfigIssue, describeConfigIssue, ModelConfigError } from '../src/index.js';

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
