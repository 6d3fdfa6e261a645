import { EncryptedTokenStorage, type KeyProvider } from '@globus-tokenstorage/encrypted';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import type { CommandContext } from '../command';
import { keyProviderOf } from '../encryption-keys';
import { rewriteStore, type StoreEntries } from '../rewrite-store';

type Direction = 'encrypt' | 'decrypt' | 'rotate-key';

/**
 * Decrypts every entry (each must decrypt, or nothing changes), then encrypts them under the
 * current key, or returns them in clear for `decrypt`. Entries in clear are taken as they are.
 */
async function convertEntries(entries: StoreEntries, keys: KeyProvider, direction: Direction): Promise<StoreEntries> {
  const result: StoreEntries = new Map();
  for (const [namespace, mapping] of entries) {
    const scratch = new MemoryTokenStorage({ namespace });
    await scratch.storeTokenDataByResourceServer(mapping);
    const encrypted = new EncryptedTokenStorage(scratch, { keys });
    const plain = await encrypted.getTokenDataByResourceServer();
    if (direction === 'decrypt') {
      result.set(namespace, plain);
    } else {
      await encrypted.storeTokenDataByResourceServer(plain);
      result.set(namespace, await scratch.getTokenDataByResourceServer());
    }
  }
  return result;
}

async function run(context: CommandContext, direction: Direction): Promise<number> {
  const [path] = context.positionals as [string];
  const { keys, keychain } = keyProviderOf(context);
  // A new keychain key becomes current before anything is re-encrypted; the old ones stay.
  const newKeyId = direction === 'rotate-key' && keychain ? await keychain.addKey() : null;
  const keyId = direction === 'decrypt' ? null : await keys.currentKeyId();
  const tokens = await rewriteStore(path, (entries) => convertEntries(entries, keys, direction));
  const summary = { path, tokens, ...(keyId === null ? {} : { keyId }), ...(newKeyId === null ? {} : { newKeyId }) };
  const done = {
    encrypt: `encrypted ${tokens} token(s) under key id '${keyId}'`,
    decrypt: `decrypted ${tokens} token(s); they are stored in clear again`,
    'rotate-key': `re-encrypted ${tokens} token(s) under key id '${keyId}'`,
  }[direction];
  context.print(context.json ? JSON.stringify(summary) : `${done} in ${path}`);
  return 0;
}

/** `globus-tokens encrypt FILE --key-env VAR | --keychain SERVICE`. */
export const encryptCommand = (context: CommandContext): Promise<number> => run(context, 'encrypt');
/** `globus-tokens decrypt FILE --key-env VAR | --keychain SERVICE`. */
export const decryptCommand = (context: CommandContext): Promise<number> => run(context, 'decrypt');
/** `globus-tokens rotate-key FILE --key-env VAR | --keychain SERVICE`. */
export const rotateKeyCommand = (context: CommandContext): Promise<number> => run(context, 'rotate-key');
