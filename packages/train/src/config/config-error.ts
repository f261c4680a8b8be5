/**
 * A configuration that does not validate, with one line per problem naming the field (as a
 * dotted path) and what is allowed.
 * @module
 */
import type { z } from 'zod';

/** Thrown for an invalid configuration; `problems` holds one line per field. */
export class ConfigError extends Error {
  /**
   * @param source - the file (or `overrides`) the problems come from.
   * @param problems - one line per problem, `field: what is wrong; what is allowed`.
   */
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration in ${source}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const fieldOf = (path: readonly PropertyKey[]) =>
  path.length === 0
    ? '(top level)'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
        .join('.')
        .replace(/\.\[/g, '[');

/** One readable line for a zod issue: the field, the bad value where known, and the allowed values. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const field = fieldOf(issue.path);
  let value: unknown = input;
  for (const p of issue.path)
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[p] : undefined;
  const got = value === undefined ? 'nothing' : JSON.stringify(value);
  switch (issue.code) {
    case 'invalid_value':
      return `${field}: got ${got}; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `${field === '(top level)' ? '' : `${field}.`}${issue.keys.join(', ')}: unknown field${issue.keys.length > 1 ? 's' : ''}; remove or check the spelling`;
    case 'invalid_type':
      return `${field}: expected ${issue.expected}, got ${got}`;
    case 'too_small':
      return `${field}: got ${got}; must be ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}${issue.origin === 'array' ? ' items' : ''}`;
    case 'too_big':
      return `${field}: got ${got}; must be ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : ''}`;
    default:
      return `${field}: ${issue.message} (got ${got})`;
  }
}
