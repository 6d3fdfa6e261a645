import type { CommandContext } from '../command';
import { CliError, ExitCodes } from '../cli-error';
import { describeExpiry } from '../format';
import { openTokenFile } from '../token-file';
import { describeEntry } from './list';

/** `globus-tokens show FILE NAMESPACE RESOURCE_SERVER`: one token's metadata. */
export async function showCommand(context: CommandContext): Promise<number> {
  const [path, namespace, resourceServer] = context.positionals as [string, string, string];
  const file = await openTokenFile(path, { readOnly: true });
  try {
    if (!(await file.listNamespaces()).includes(namespace))
      throw new CliError(`no namespace '${namespace}' in '${file.path}'`, ExitCodes.NOT_FOUND);
    const entries = await file.read(namespace);
    const data = Object.hasOwn(entries, resourceServer) ? entries[resourceServer] : undefined;
    if (!data) throw new CliError(`no token for '${resourceServer}' in namespace '${namespace}' of '${file.path}'`, ExitCodes.NOT_FOUND);
    const entry = describeEntry(namespace, resourceServer, data, context.now());
    if (context.json) {
      context.print(JSON.stringify(entry, null, 2));
      return 0;
    }
    const rows: Array<[string, string]> = [
      ['namespace', entry.namespace],
      ['resource server', entry.resourceServer],
      ['identity', entry.identityId ?? '-'],
      ['scopes', entry.scopes.join(' ')],
      ['token type', entry.tokenType ?? '-'],
      [
        'expires',
        `${entry.expiresAt ?? `${entry.expiresAtSeconds} (epoch seconds)`} (${describeExpiry(entry.expiresAtSeconds, context.now())})`,
      ],
      ['access token', entry.accessTokenFingerprint ?? '-'],
      ['refresh token', entry.refreshTokenFingerprint ?? 'none'],
      ['other keys', entry.extraKeys.join(', ') || '-'],
    ];
    context.print(rows.map(([label, value]) => `${label.padEnd(15)} ${value}`).join('\n'));
    return 0;
  } finally {
    await file.close();
  }
}
