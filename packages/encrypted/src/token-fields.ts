import { TokenStorageData } from '@globus-tokenstorage/core';
import { setOwnEntry } from '@globus-tokenstorage/core/backend';

/** Keys of `extra` whose string values are tokens (the rule core's redaction uses: `id_token`, …). */
const SECRET_EXTRA_KEY = /token|secret|password|assertion|verifier|^code$/i;
const NOT_SECRET_EXTRA_KEY = /^token_?type$/i;

/** One token value of an entry, by its on-disk field name. */
export interface TokenField {
  field: string;
  value: string;
}

/**
 * @param data - An entry.
 * @returns Its token values: `access_token`, `refresh_token` when present, and every string in
 *   `extra` under a secret-looking key (`id_token`, …). Other values stay readable.
 */
export function tokenFieldsOf(data: TokenStorageData): TokenField[] {
  const fields: TokenField[] = [{ field: 'access_token', value: data.accessToken }];
  if (data.refreshToken !== null) fields.push({ field: 'refresh_token', value: data.refreshToken });
  for (const [key, value] of Object.entries(data.extra)) {
    if (typeof value === 'string' && SECRET_EXTRA_KEY.test(key) && !NOT_SECRET_EXTRA_KEY.test(key)) fields.push({ field: key, value });
  }
  return fields;
}

/**
 * @param data - An entry.
 * @param replacements - New values by field name (from {@link tokenFieldsOf}).
 * @returns A copy of `data` with those token values replaced; everything else as it was.
 */
export function withTokenFields(data: TokenStorageData, replacements: ReadonlyMap<string, string>): TokenStorageData {
  let extra = data.extra;
  const extraKeys = [...replacements.keys()].filter((field) => field !== 'access_token' && field !== 'refresh_token');
  if (extraKeys.length > 0) {
    const copy: Record<string, unknown> = { ...data.extra };
    for (const key of extraKeys) setOwnEntry(copy, key, replacements.get(key));
    extra = copy;
  }
  return new TokenStorageData({
    resourceServer: data.resourceServer,
    identityId: data.identityId,
    scope: data.scope,
    accessToken: replacements.get('access_token') ?? data.accessToken,
    refreshToken: data.refreshToken === null ? null : (replacements.get('refresh_token') ?? data.refreshToken),
    expiresAtSeconds: data.expiresAtSeconds,
    tokenType: data.tokenType,
    extra,
  });
}
