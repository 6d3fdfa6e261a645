/** What a command gets from the command line. */
export interface CommandContext {
  /** Positional arguments after the command name. */
  positionals: string[];
  /** Parsed options. */
  values: Record<string, string | boolean | undefined>;
  /** Whether `--json` was given. */
  json: boolean;
  /** Writes a line to stdout. */
  print: (text: string) => void;
  /** Current time in epoch seconds. */
  now: () => number;
}

/** One `globus-tokens` command. */
export interface CommandDefinition {
  name: string;
  /** Positional arguments, as shown in the usage line. */
  args: string[];
  summary: string;
  /** Longer help text. */
  details: string;
  /** Options beyond `--json` and `--help`. */
  options: Record<string, { type: 'string' | 'boolean'; description: string }>;
  run: (context: CommandContext) => Promise<number>;
}
