// The keys that sign id_tokens and cookies.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';

/** @typedef {{ signingKey: import('node:crypto').JsonWebKey & { kid: string; alg: string; use: string }; cookieKey: string }} ServerKeys */

/**
 * The signing and cookie keys: kept in the state file when there is one, else fresh for this run.
 *
 * @param {import('./persistent-state.mjs').PersistentState | null} state
 * @returns {ServerKeys}
 */
export function persistentKeys(state) {
  if (state?.settings.signingKey && state.settings.cookieKey)
    return { signingKey: state.settings.signingKey, cookieKey: state.settings.cookieKey };
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys = {
    signingKey: { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' },
    cookieKey: randomBytes(32).toString('hex'),
  };
  if (state) {
    Object.assign(state.settings, keys);
    state.save();
  }
  return keys;
}
