import type { CommandDefinition } from '../command';
import { KEY_OPTIONS } from '../encryption-keys';
import { decryptCommand, encryptCommand, rotateKeyCommand } from './encryption';

const ALL_OR_NOTHING =
  'Every token is decrypted first: if one does not (wrong key, damaged value), nothing is written. Then the whole store is rewritten in one step ' +
  '(JSON: one atomic file replacement under its lock; SQLite and PostgreSQL: one transaction). Works on format 2.0 JSON, SQLite and PostgreSQL stores.';

/** `encrypt`, `decrypt` and `rotate-key`: convert a token store in place (see `@globus-tokenstorage/encrypted`). */
export const ENCRYPTION_COMMANDS: CommandDefinition[] = [
  {
    name: 'encrypt',
    args: ['FILE'],
    summary: 'encrypt every token of a store in place (AES-256-GCM), with a key from --key-env or --keychain',
    details: `Token values are encrypted; resource servers, scopes, expiry and identities stay readable, so list, show and check still work without the key. ${ALL_OR_NOTHING}`,
    options: KEY_OPTIONS,
    run: encryptCommand,
  },
  {
    name: 'decrypt',
    args: ['FILE'],
    summary: 'store every token of an encrypted store in clear again (e.g. for the Python SDK)',
    details: `The Python SDK reads an encrypted store's structure but cannot use its tokens: this is the way back. ${ALL_OR_NOTHING}`,
    options: KEY_OPTIONS,
    run: decryptCommand,
  },
  {
    name: 'rotate-key',
    args: ['FILE'],
    summary: 're-encrypt every token under the current key (with --keychain, a new key is made current first)',
    details: `With --key-env, put the new key first in the variable and the old ones after it ("new:KEY,old:KEY"). ${ALL_OR_NOTHING}`,
    options: KEY_OPTIONS,
    run: rotateKeyCommand,
  },
];
