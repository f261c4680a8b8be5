/**
 * Output helpers shared by the commands: JSON for programs, plain lines for people.
 * @module
 */

/** Prints `value` as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
