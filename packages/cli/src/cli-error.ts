/** Exit codes of `globus-tokens`; scripts may rely on them. */
export const ExitCodes = {
  OK: 0,
  /** `check` found problems. */
  PROBLEMS_FOUND: 1,
  /** Bad command line. */
  USAGE: 2,
  /** The token file does not exist. */
  FILE_NOT_FOUND: 3,
  /** The token file cannot be read or parsed, or has an unknown format. */
  BAD_FILE: 4,
  /** The namespace or resource server is not in the file. */
  NOT_FOUND: 5,
  /** The operation is refused (e.g. the destination of `convert` exists). */
  REFUSED: 6,
} as const;

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
