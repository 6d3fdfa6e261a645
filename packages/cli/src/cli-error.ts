/** Exit codes of `globus-tokens`; scripts may rely on them. */
export const ExitCodes = {
  OK: 0,
  /** `check` found problems, or `list` found invalid entries (or an unexpected failure). */
  PROBLEMS_FOUND: 1,
  /** Bad command line. */
  USAGE: 2,
  /** The token file does not exist. */
  FILE_NOT_FOUND: 3,
  /** The token file cannot be read (`TOKEN_FILE_ACCESS`) or parsed, or has an unknown format. */
  BAD_FILE: 4,
  /** The namespace or resource server is not in the file. */
  NOT_FOUND: 5,
  /** The operation is refused (e.g. the destination of `convert` exists). */
  REFUSED: 6,
  /**
   * The store cannot be used: the database cannot be reached, refuses the login, has no token table
   * or fails otherwise; a lock stays held; or the SQLite driver cannot be loaded. Nothing was
   * checked: run again once the cause is fixed.
   */
  STORE_UNAVAILABLE: 7,
  /** The output cannot be written (e.g. a full disk). A closed pipe (`| head`) is not an error. */
  OUTPUT_FAILED: 8,
} as const;

/** The name of each exit code in a few words, for `globus-tokens --help`. */
export const EXIT_CODE_SUMMARIES: Readonly<Record<keyof typeof ExitCodes, string>> = {
  OK: 'ok',
  PROBLEMS_FOUND: 'problems found',
  USAGE: 'usage',
  FILE_NOT_FOUND: 'no such file',
  BAD_FILE: 'unreadable file',
  NOT_FOUND: 'not found',
  REFUSED: 'refused',
  STORE_UNAVAILABLE: 'store unavailable',
  OUTPUT_FAILED: 'output failed',
};

/** An error that ends the command with a message and an exit code. */
export class CliError extends Error {
  /**
   * @param message - Shown on stderr after "globus-tokens: ".
   * @param exitCode - One of {@link ExitCodes}.
   */
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
