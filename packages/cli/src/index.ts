/**
 * `@globus-tokenstorage/cli`: the `globus-tokens` command, also callable from code.
 *
 * @packageDocumentation
 */
export { runCli, type CliEnvironment } from './main';
export { ExitCodes } from './cli-error';
