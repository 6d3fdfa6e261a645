import type { TokenStorageData } from '@globus-tokenstorage/core';
import { describeExpiry, fingerprint, table } from '../format';
import type { CommandContext } from '../command';
import { openTokenFile } from '../token-file';

/** The public view of one stored token: everything but the token values, which are fingerprinted. */
export function describeEntry(namespace: string, key: string, data: TokenStorageData, nowSeconds: number) {
  return {
    namespace,
    resourceServer: key,
    identityId: data.identityId,
    scopes: data.scope.split(/\s+/).filter(Boolean),
    tokenType: data.tokenType,
    expiresAtSeconds: data.expiresAtSeconds,
    expiresAt: isoTime(data.expiresAtSeconds),
    expired: data.expiresAtSeconds < nowSeconds,
    accessTokenFingerprint: fingerprint(data.accessToken),
    refreshTokenFingerprint: fingerprint(data.refreshToken),
    extraKeys: Object.keys(data.extra),
  };
}

/** The time in ISO 8601, or `null` past the range of a JavaScript `Date` (any int is valid token data). */
function isoTime(epochSeconds: number): string | null {
  const date = new Date(epochSeconds * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** `globus-tokens list FILE [--namespace NS]`: every token's metadata. */
export async function listCommand(context: CommandContext): Promise<number> {
  const [path] = context.positionals;
  const file = await openTokenFile(path as string, { readOnly: true });
  try {
    const wanted = context.values.namespace;
    const namespaces = typeof wanted === 'string' ? [wanted] : await file.listNamespaces();
    const entries = [];
    for (const namespace of namespaces) {
      for (const [key, data] of Object.entries(await file.read(namespace))) entries.push(describeEntry(namespace, key, data, context.now()));
    }
    if (context.json) {
      context.print(JSON.stringify({ file: file.path, kind: file.kind, namespaces, tokens: entries }, null, 2));
    } else if (entries.length === 0) {
      context.print(`${file.path} (${file.kind}): no tokens`);
    } else {
      context.print(`${file.path} (${file.kind})`);
      context.print(
        table(
          ['NAMESPACE', 'RESOURCE SERVER', 'IDENTITY', 'EXPIRES', 'REFRESH', 'SCOPES'],
          entries.map((entry) => [
            entry.namespace,
            entry.resourceServer,
            entry.identityId ?? '-',
            describeExpiry(entry.expiresAtSeconds, context.now()),
            entry.refreshTokenFingerprint === null ? 'no' : 'yes',
            entry.scopes.join(' '),
          ]),
        ),
      );
    }
    return 0;
  } finally {
    await file.close();
  }
}
