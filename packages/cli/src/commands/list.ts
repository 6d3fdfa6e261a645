import type { TokenStorageData } from '@globus-tokenstorage/core';
import { describeExpiry, fingerprint, table } from '../format';
import type { CommandContext } from '../command';
import { CliError, ExitCodes } from '../cli-error';
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

/**
 * `globus-tokens list FILE [--namespace NS]`: every token's metadata. An invalid entry is listed as
 * such, with what is wrong with it, and the others still shown; the exit code is then 1. A namespace
 * named with `--namespace` that holds no entry in the file ends it with exit code 5, as in `show`.
 */
export async function listCommand(context: CommandContext): Promise<number> {
  const [path] = context.positionals;
  const file = await openTokenFile(path as string, { readOnly: true });
  try {
    const wanted = context.values.namespace;
    const inFile = await file.listNamespaces();
    if (typeof wanted === 'string' && !inFile.includes(wanted)) throw new CliError(`no namespace '${wanted}' in '${file.path}'`, ExitCodes.NOT_FOUND);
    const namespaces = typeof wanted === 'string' ? [wanted] : inFile;
    const entries = [];
    const invalid = [];
    for (const namespace of namespaces) {
      for (const entry of await file.readEntries(namespace)) {
        if (entry.data === null) invalid.push({ namespace, resourceServer: entry.key, problem: entry.problem });
        else entries.push(describeEntry(namespace, entry.key, entry.data, context.now()));
      }
    }
    if (context.json) {
      context.print(JSON.stringify({ file: file.path, kind: file.kind, namespaces, tokens: entries, invalid }, null, 2));
    } else if (entries.length === 0 && invalid.length === 0) {
      context.print(`${file.path} (${file.kind}): no tokens`);
    } else {
      context.print(`${file.path} (${file.kind})`);
      const rows = entries.map((entry) => [
        entry.namespace,
        entry.resourceServer,
        entry.identityId ?? '-',
        describeExpiry(entry.expiresAtSeconds, context.now()),
        entry.refreshTokenFingerprint === null ? 'no' : 'yes',
        entry.scopes.join(' '),
      ]);
      for (const entry of invalid) rows.push([entry.namespace, entry.resourceServer, '-', 'INVALID', '-', '(see below)']);
      context.print(table(['NAMESPACE', 'RESOURCE SERVER', 'IDENTITY', 'EXPIRES', 'REFRESH', 'SCOPES'], rows));
      for (const entry of invalid) context.print(`invalid entry ${entry.namespace}/${entry.resourceServer}: ${entry.problem}`);
    }
    return invalid.length === 0 ? ExitCodes.OK : ExitCodes.PROBLEMS_FOUND;
  } finally {
    await file.close();
  }
}
