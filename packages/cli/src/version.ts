/** The version of this package, shown by `--version` and written into files it creates. */
export const CLI_VERSION = '0.1.0';
