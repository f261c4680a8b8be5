/**
 * One line per configuration problem, naming the field, the value given and what is allowed:
 * the wording every model package's `resolveConfig` uses for the issues of its schema (zod's
 * issues satisfy {@link ConfigIssue}; core itself does not depend on zod).
 * @module
 */

/** A schema issue: zod's `$ZodIssue` (the fields read here). */
export interface ConfigIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly expected?: unknown;
  readonly values?: readonly unknown[];
  readonly keys?: readonly string[];
  readonly minimum?: unknown;
  readonly maximum?: unknown;
  readonly inclusive?: boolean;
  /** What a size bound counts (`array`: items). */
  readonly origin?: string;
}

/**
 * The line for `issue` of `section` (`model`, `loss`) of a configuration whose section was
 * `input`: `model.patchSize[1]: got 0; must be >= 4`. With section `''` the issue's path is the
 * whole field (`data.split.val`), `(top level)` when empty (the trainer's configuration file).
 */
export function describeConfigIssue(section: string, issue: ConfigIssue, input: unknown): string {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const whole = `${section}${path}`.replace(/^\./, '');
  const field = whole === '' ? '(top level)' : whole;
  const prefix = whole === '' ? '' : `${whole}.`;
  const items = issue.origin === 'array' ? ' items' : '';
  let value: unknown = input;
  for (const p of issue.path)
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[p] : undefined;
  const got = value === undefined ? 'nothing' : JSON.stringify(value);
  switch (issue.code) {
    case 'invalid_value':
      return `${field}: got ${got}; allowed: ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys': {
      const keys = issue.keys ?? [];
      return `${keys.map((k) => `${prefix}${k}`).join(', ')}: unknown field${keys.length > 1 ? 's' : ''}; remove or check the spelling`;
    }
    case 'invalid_type':
      return `${field}: expected ${String(issue.expected)}, got ${got}`;
    case 'too_small':
      return `${field}: got ${got}; must be ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}${items}`;
    case 'too_big':
      return `${field}: got ${got}; must be ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}${items}`;
    default:
      return `${field}: ${issue.message} (got ${got})`;
  }
}

/** A configuration that does not resolve: one line per problem, each naming its field. */
export class ModelConfigError extends RangeError {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ModelConfigError';
  }
}
