import type { CommandContext } from '../command';
import { CliError, ExitCodes } from '../cli-error';
import { openTokenFile } from '../token-file';

/** `globus-tokens remove FILE NAMESPACE RESOURCE_SERVER`: deletes one token. */
export async function removeCommand(context: CommandContext): Promise<number> {
  const [path, namespace, resourceServer] = context.positionals as [string, string, string];
  const file = await openTokenFile(path);
  try {
    if (file.kind === 'legacy-simple') {
      throw new CliError(`'${path}' is a legacy single-token file; delete the file to remove its token`, ExitCodes.REFUSED);
    }
    if (!(await file.listNamespaces()).includes(namespace))
      throw new CliError(`no namespace '${namespace}' in '${file.path}'`, ExitCodes.NOT_FOUND);
    const removed = await file.storage(namespace).removeTokenData(resourceServer);
    if (!removed) throw new CliError(`no token for '${resourceServer}' in namespace '${namespace}' of '${file.path}'`, ExitCodes.NOT_FOUND);
    context.print(
      context.json ? JSON.stringify({ removed: true, namespace, resourceServer }) : `removed ${resourceServer} from namespace ${namespace}`,
    );
    return 0;
  } finally {
    await file.close();
  }
}
