import { EnvironmentKeyProvider, type KeyProvider } from '@globus-tokenstorage/encrypted';
import { KeychainKeyProvider } from '@globus-tokenstorage/encrypted/node';
import type { CommandContext } from './command';
import { CliError, ExitCodes } from './cli-error';

/** The options of the commands that need a key. */
export const KEY_OPTIONS = {
  'key-env': {
    type: 'string' as const,
    description: 'environment variable holding the key(s): "id:base64key" items, current first, comma-separated',
  },
  keychain: { type: 'string' as const, description: "the OS keychain's service name holding the app's data keys (created on first use)" },
};

/** The key provider chosen with exactly one of `--key-env VAR` or `--keychain SERVICE`. */
export function keyProviderOf(context: CommandContext): { keys: KeyProvider; keychain: KeychainKeyProvider | null } {
  const variable = context.values['key-env'];
  const service = context.values.keychain;
  if ((variable === undefined) === (service === undefined)) {
    throw new CliError('give exactly one of --key-env VAR or --keychain SERVICE', ExitCodes.USAGE);
  }
  if (typeof service === 'string') {
    const keychain = new KeychainKeyProvider({ service });
    return { keys: keychain, keychain };
  }
  return { keys: new EnvironmentKeyProvider({ variable: variable as string }), keychain: null };
}
