/**
 * A configuration that does not validate, with one line per problem naming the field (as a
 * dotted path) and what is allowed.
 * @module
 */
import { describeConfigIssue } from '@deepsc/core';
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

/**
 * One readable line for a zod issue of the training configuration: the field (as a dotted path
 * from the top), the bad value where known, and the allowed values (core's wording, shared with
 * the model packages' sections).
 */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  return describeConfigIssue('', issue, input);
}
