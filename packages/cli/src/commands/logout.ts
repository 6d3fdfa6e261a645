import type { CommandContext } from '../command';
import { ExitCodes } from '../cli-error';
import { openAppSession } from '../app-session';

/**
 * `globus-tokens logout`: revokes every token of the app's namespace at the auth server, then
 * removes them from the app's token file (`UserApp.logout({ sweep: true })`). A token that
 * cannot be revoked stays stored, and the command fails.
 */
export async function logoutCommand(context: CommandContext): Promise<number> {
  const session = openAppSession(context, { scopes: [], flow: null });
  try {
    await session.app.loginRequired();
    const resourceServers = Object.keys(await session.storage().getTokenDataByResourceServer()).sort();
    await session.app.logout({ sweep: true });
    const tokenFile = session.tokenFile();
    if (context.json) {
      context.print(JSON.stringify({ loggedOut: true, revokedAndRemoved: resourceServers, tokenFile }, null, 2));
    } else if (resourceServers.length === 0) {
      context.print(`Not logged in: no tokens in ${tokenFile}.`);
    } else {
      context.print(`Logged out: revoked and removed the tokens of ${resourceServers.join(', ')} from ${tokenFile}.`);
    }
    return ExitCodes.OK;
  } finally {
    await session.app.close();
  }
}
