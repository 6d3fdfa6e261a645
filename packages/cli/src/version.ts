import { version } from '../package.json';

/** The version of this package (its package.json's), shown by `--version` and written into files it creates. */
export const CLI_VERSION: string = version;
