/**
 * `@deepsc/cli`: the `deepsc` command. The program can also be embedded: {@link main} runs it
 * on an argv and returns the exit code.
 * @packageDocumentation
 */
export { CliError, ExitCode } from './errors.js';
export { buildProgram, main } from './program.js';
