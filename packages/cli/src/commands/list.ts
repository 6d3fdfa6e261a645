import type { TokenStorageData } from '@globus-tokenstorage/core';
import { describeExpiry, fingerprint, printLines, tableLines } from '../format';
import type { CommandContext } from '../command';
import { CliError, ExitCodes } from '../cli-error';
import { openTokenFile } from '../token-file';

/** The public view of one stored token: everything but the token values, which are fingerprinted. */
export function describeEntry(namespace: string, key: string, data: TokenStorageData, nowSeconds: number) {
  return {
    namespace,
    resourceServer: key,
    identityId: data.identityId,
    scopes: scopesOf(data),
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

/** An entry found by the walk, kept until it is printed. */
interface Found {
  namespace: string;
  key: string;
  data: TokenStorageData;
}

/** An invalid entry, as listed. */
interface Invalid {
  namespace: string;
  resourceServer: string;
  problem: string;
}

/**
 * `globus-tokens list FILE [--namespace NS]`: every token's metadata, from one walk of the store.
 * An invalid entry is listed as such, with what is wrong with it, and the others still shown; the
 * exit code is then 1. A namespace named with `--namespace` that holds no entry in the file ends
 * it with exit code 5, as in `show`. The output is printed in pieces, so that a store of a hundred
 * thousand namespaces is never held as one string.
 */
export async function listCommand(context: CommandContext): Promise<number> {
  const [path] = context.positionals;
  const file = await openTokenFile(path as string, { readOnly: true });
  try {
    const wanted = context.values.namespace;
    const namespaces: string[] = [];
    const entries: Found[] = [];
    const invalid: Invalid[] = [];
    for await (const entry of file.entries()) {
      if (typeof wanted === 'string' && entry.namespace !== wanted) continue;
      if (namespaces[namespaces.length - 1] !== entry.namespace) namespaces.push(entry.namespace);
      if (entry.data === null)
        invalid.push({ namespace: entry.namespace, resourceServer: entry.resourceServer, problem: entry.error.message });
      else entries.push({ namespace: entry.namespace, key: entry.resourceServer, data: entry.data });
    }
    if (typeof wanted === 'string' && namespaces.length === 0)
      throw new CliError(`no namespace '${wanted}' in '${file.path}'`, ExitCodes.NOT_FOUND);
    // What the walk kept is all that is printed: the store's own copy can go.
    await file.close();
    const now = context.now();
    if (context.json) {
      printJSONListing(context, { file: file.path, kind: file.kind, namespaces }, entries, invalid, now);
    } else if (entries.length === 0 && invalid.length === 0) {
      context.print(`${file.path} (${file.kind}): no tokens`);
    } else {
      context.print(`${file.path} (${file.kind})`);
      // Made twice (for the widths, then to print) rather than kept: a big store has many. Tokens
      // issued together expire together: each distinct expiry is described once.
      const expiries = new Map<number, string>();
      const expiry = (seconds: number) => {
        let text = expiries.get(seconds);
        if (text === undefined) expiries.set(seconds, (text = describeExpiry(seconds, now)));
        return text;
      };
      const rows = function* () {
        for (const { namespace, key, data } of entries) {
          yield [
            namespace,
            key,
            data.identityId ?? '-',
            expiry(data.expiresAtSeconds),
            data.refreshToken === null ? 'no' : 'yes',
            scopesOf(data).join(' '),
          ];
        }
        for (const entry of invalid) yield [entry.namespace, entry.resourceServer, '-', 'INVALID', '-', '(see below)'];
      };
      printLines(context, tableLines(['NAMESPACE', 'RESOURCE SERVER', 'IDENTITY', 'EXPIRES', 'REFRESH', 'SCOPES'], rows));
      for (const entry of invalid) context.print(`invalid entry ${entry.namespace}/${entry.resourceServer}: ${entry.problem}`);
    }
    return invalid.length === 0 ? ExitCodes.OK : ExitCodes.PROBLEMS_FOUND;
  } finally {
    await file.close();
  }
}

function scopesOf(data: TokenStorageData): string[] {
  return data.scope.split(/\s+/).filter(Boolean);
}

/**
 * Prints what `JSON.stringify({ ...head, tokens, invalid }, null, 2)` would, a token at a time:
 * the described tokens of a big store would not fit in one string.
 */
function printJSONListing(context: CommandContext, head: Record<string, unknown>, entries: Found[], invalid: Invalid[], now: number): void {
  const opening = JSON.stringify({ ...head, tokens: [] }, null, 2);
  // Up to the `[` of "tokens" (the text ends with `"tokens": []`, a line break and `}`).
  context.print(`${opening.slice(0, -3)}${entries.length === 0 ? '],' : ''}`);
  printLines(context, describedLines(entries, now));
  // "invalid" is at the same depth in both objects: only the braces around it go.
  const closing = JSON.stringify({ invalid }, null, 2);
  context.print(`${entries.length === 0 ? '' : '  ],\n'}${closing.slice(2, -2)}\n}`);
}

/** The lines of the "tokens" array of the JSON listing, each token indented as in the whole document. */
function* describedLines(entries: Found[], now: number): Generator<string> {
  for (const [index, entry] of entries.entries()) {
    const text = JSON.stringify(describeEntry(entry.namespace, entry.key, entry.data, now), null, 2).replace(/\n/g, '\n    ');
    yield `    ${text}${index < entries.length - 1 ? ',' : ''}`;
  }
}
