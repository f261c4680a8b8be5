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

/** A section's schema as zod gives it (`safeParse`); core reads only this. */
export interface SectionSchema<T> {
  safeParse(
    input: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: readonly ConfigIssue[] } };
}

/**
 * Parses a model's two sections of a training configuration with its schemas: `model` (its
 * `name`, the registry's, ignored) and `loss` (absent: `{}`), every problem worded by
 * {@link describeConfigIssue} and naming its field.
 * @throws ModelConfigError listing the problems of both sections; for a `model` section that
 *   is not an object, that alone.
 */
export function parseModelSections<M, L>(
  schemas: { model: SectionSchema<M>; loss: SectionSchema<L> },
  sections: { model?: unknown; loss?: unknown },
): { model: M; loss: L } {
  const given = sections.model ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw new ModelConfigError([`model: expected object, got ${JSON.stringify(given)}`]);
  const { name: _name, ...modelInput } = given as Record<string, unknown>;
  const lossInput = sections.loss ?? {};
  const m = schemas.model.safeParse(modelInput);
  const l = schemas.loss.safeParse(lossInput);
  const problems: string[] = [];
  if (!m.success)
    for (const issue of m.error.issues) problems.push(describeConfigIssue('model', issue, modelInput));
  if (!l.success)
    for (const issue of l.error.issues) problems.push(describeConfigIssue('loss', issue, lossInput));
  if (!m.success || !l.success) throw new ModelConfigError(problems);
  return { model: m.data, loss: l.data };
}
