import { parseArgs } from 'node:util';
import type { CommandContext, CommandDefinition } from './command';
import { CliError, EXIT_CODE_SUMMARIES, ExitCodes } from './cli-error';
import { APP_COMMANDS } from './commands/app-commands';
import { checkCommand } from './commands/check';
import { convertCommand } from './commands/convert';
import { ENCRYPTION_COMMANDS } from './commands/encryption-definitions';
import { listCommand } from './commands/list';
import { migrateCommand } from './commands/migrate';
import { removeCommand } from './commands/remove';
import { showCommand } from './commands/show';
import { describeError, errorCode, exitCodeOf, toReportedError } from './error-report';
import { isClosedReader, lineWriter } from './line-writer';
import { isPostgresUrl } from './postgres-target';
import { CLI_VERSION } from './version';

const namespaceOption = { namespace: { type: 'string' as const, description: 'only this namespace' } };

const COMMANDS: CommandDefinition[] = [
  {
    name: 'list',
    args: ['FILE'],
    summary: 'list the tokens of a file: namespaces, resource servers, scopes, identity, expiry',
    details:
      'Works on JSON (format 2.0 and 1.0), SQLite and legacy single-token files, and on PostgreSQL token tables ' +
      '(FILE = postgres://user:password@host:port/database?schema=S&table=T). Tokens are never printed. ' +
      'An invalid entry is shown as INVALID with the reason, the others as usual, and the exit code is 1. ' +
      'Exits 5 if the namespace given with --namespace is not in the file.',
    options: namespaceOption,
    run: listCommand,
  },
  {
    name: 'show',
    args: ['FILE', 'NAMESPACE', 'RESOURCE_SERVER'],
    summary: 'show one token: scopes, identity, expiry and short fingerprints of the tokens',
    details: 'Fingerprints (sha256:…) tell tokens apart without revealing them.',
    options: {},
    run: showCommand,
  },
  {
    name: 'remove',
    args: ['FILE', 'NAMESPACE', 'RESOURCE_SERVER'],
    summary: 'remove one token from a JSON or SQLite file or a PostgreSQL table',
    details: 'Exits 5 if the namespace or resource server is not in the file.',
    options: {},
    run: removeCommand,
  },
  {
    name: 'migrate',
    args: ['FILE'],
    summary: 'rewrite a format 1.0 JSON file or a legacy single-token file as format 2.0, in place',
    details:
      'The file is replaced atomically; its tokens go to namespace DEFAULT (or --namespace for a legacy single-token file). ' +
      'On a postgres:// URL: creates the token table if missing, or checks its schema version.',
    options: { namespace: { type: 'string', description: 'namespace for the token of a legacy single-token file (default DEFAULT)' } },
    run: migrateCommand,
  },
  {
    name: 'convert',
    args: ['SOURCE', 'DESTINATION'],
    summary: 'copy every namespace of a token file into a new JSON or SQLite file, or into a PostgreSQL table',
    details:
      'The destination must not exist; its directory must exist, unless --parents is given (then it is created). Its kind comes from --to or from its extension (.json, or .db/.sqlite/.sqlite3). ' +
      'A postgres:// destination is a token table (created if missing) whose namespaces being copied must be empty; the source may be one too.',
    options: {
      to: { type: 'string', description: 'json or sqlite' },
      parents: { type: 'boolean', description: "create the destination's missing directories (mode 0700)" },
    },
    run: convertCommand,
  },
  {
    name: 'check',
    args: ['FILE'],
    summary: 'validate a file against the JSON Schemas (or a PostgreSQL table), read every token, and check permissions',
    details:
      'Exits 1 if there is any problem; expired tokens and old formats are reported as notes. ' +
      'Exits 7, reporting no problem, if the store cannot be used (a database that cannot be reached, refuses the login or has no token table).',
    options: {},
    run: checkCommand,
  },
  ...APP_COMMANDS,
  ...ENCRYPTION_COMMANDS,
];

/** Where the CLI writes and what time it is; the binary passes the real ones. */
export interface CliEnvironment {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now: () => number;
}

/**
 * Runs `globus-tokens` with the given arguments.
 *
 * @param argv - The arguments after the program name.
 * @param environment - Output streams and clock; by default the process's own, where a closed
 *   reader of stdout (`| head -1`) ends the output quietly and any other write error (a full disk)
 *   is reported on stderr with exit code `OUTPUT_FAILED`.
 * @returns The exit code (see `ExitCodes`).
 */
export async function runCli(argv: readonly string[], environment?: CliEnvironment): Promise<number> {
  if (environment) return runCommand(argv, environment);
  const stdout = lineWriter(process.stdout);
  const stderr = lineWriter(process.stderr);
  let exitCode = await runCommand(argv, { stdout: stdout.line, stderr: stderr.line, now: () => Date.now() / 1000 });
  const failure = await stdout.finish();
  if (failure !== null && !isClosedReader(failure)) {
    const error = new CliError(`cannot write the output: ${describeWriteError(failure)}`, ExitCodes.OUTPUT_FAILED);
    stderr.line(argv.includes('--json') ? jsonError(error, ExitCodes.OUTPUT_FAILED) : `globus-tokens: ${error.message}`);
    exitCode = ExitCodes.OUTPUT_FAILED;
  }
  // Nothing can report a failure of stderr itself.
  await stderr.finish();
  return exitCode;
}

async function runCommand(argv: readonly string[], environment: CliEnvironment): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    environment.stdout(overview());
    return name === undefined ? ExitCodes.USAGE : ExitCodes.OK;
  }
  if (name === '--version' || name === '-v') {
    environment.stdout(CLI_VERSION);
    return ExitCodes.OK;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  // Known before the command line is parsed, so that its own errors are JSON too.
  const json = rest.includes('--json');
  try {
    if (!command) throw new CliError(`unknown command '${name}'\n\n${overview()}`, ExitCodes.USAGE);
    const { values, positionals } = parseCommandLine(command, rest);
    if (values.help) {
      environment.stdout(commandHelp(command));
      return ExitCodes.OK;
    }
    if (positionals.length !== command.args.length) {
      throw new CliError(`usage: ${usage(command)}\n(run 'globus-tokens ${command.name} --help' for details)`, ExitCodes.USAGE);
    }
    const context: CommandContext = { positionals, values, json: values.json === true, print: environment.stdout, now: environment.now };
    return await command.run(context);
  } catch (caught) {
    const error = toReportedError(caught);
    const exitCode = exitCodeOf(error, rest.some(isPostgresUrl));
    environment.stderr(json ? jsonError(error, exitCode) : `globus-tokens: ${describeError(error)}`);
    return exitCode;
  }
}

/** An error as one line of JSON, for `--json`. */
function jsonError(error: unknown, exitCode: number): string {
  return JSON.stringify({ error: { code: errorCode(error, exitCode), exitCode, message: describeError(error) } });
}

/** A write error in words: its system code, and what the common ones mean. */
function describeWriteError(error: NodeJS.ErrnoException): string {
  const meanings: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is exceeded',
    EIO: 'an input/output error',
    EFBIG: 'the file is too large',
  };
  const code = typeof error.code === 'string' ? error.code : 'unknown error';
  return `${meanings[code] ?? 'system error'} (${code})`;
}

function parseCommandLine(command: CommandDefinition, args: string[]) {
  const options = Object.fromEntries(Object.entries(command.options).map(([key, option]) => [key, { type: option.type }]));
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new CliError(`${describeArgumentError(error, command)}\nusage: ${usage(command)}`, ExitCodes.USAGE);
  }
}

/** parseArgs's errors in the CLI's words (its own message for an unknown option has an unbalanced quote). */
function describeArgumentError(error: unknown, command: CommandDefinition): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  const option = /'(-[^' ]*)/.exec(text)?.[1] ?? null;
  const known = [...Object.keys(command.options), 'json', 'help'].map((key) => `--${key}`).join(', ');
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== null) {
    return `unknown option '${option}' for '${command.name}' (its options: ${known}; put '--' before an argument that starts with '-')`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== null) return `option '${option}' needs a value`;
  return text;
}

function usage(command: CommandDefinition): string {
  const options = Object.entries(command.options).map(([key, option]) => (option.type === 'string' ? `[--${key} VALUE]` : `[--${key}]`));
  return ['globus-tokens', command.name, ...command.args, ...options, '[--json]'].join(' ');
}

function commandHelp(command: CommandDefinition): string {
  const options = [
    ...Object.entries(command.options).map(
      ([key, option]) => `  --${key}${option.type === 'string' ? ' VALUE' : ''}  ${option.description}`,
    ),
    '  --json  print JSON for scripts',
    '  --help  show this help',
  ];
  return [`usage: ${usage(command)}`, '', `${command.summary}.`, command.details, '', 'options:', ...options].join('\n');
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'usage: globus-tokens <command> [arguments] [--json]',
    '',
    'Inspect, migrate, convert and check Globus token files (JSON, SQLite, legacy) and PostgreSQL token tables',
    '(FILE = postgres://user:password@host:port/database?schema=S&table=T). Tokens and passwords are never printed.',
    'A password in a URL is percent-encoded (# as %23, @ as %40…), or left out of it and set in the environment variable PGPASSWORD.',
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    "Run 'globus-tokens <command> --help' for a command's arguments.",
    `Exit codes: ${Object.entries(ExitCodes)
      .map(([name, code]) => `${code} ${EXIT_CODE_SUMMARIES[name as keyof typeof ExitCodes]}`)
      .join(', ')}.`,
  ].join('\n');
}
