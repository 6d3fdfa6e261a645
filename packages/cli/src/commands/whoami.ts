import type { CommandContext } from '../command';
import { CliError, ExitCodes } from '../cli-error';
import { openAppSession } from '../app-session';
import { identityLines, summarizeIdentity } from '../identity-summary';

/**
 * `globus-tokens whoami`: the identity the app's stored tokens belong to (the identity recorded
 * from their id_token, and the auth server's userinfo when its token is usable), and what each
 * token is for. Never prints a token and never logs in; exits 5 when nobody is logged in.
 */
export async function whoamiCommand(context: CommandContext): Promise<number> {
  const session = openAppSession(context, { scopes: [], flow: null });
  try {
    const summary = await summarizeIdentity(session);
    if (summary.tokens.length === 0)
      throw new CliError(`not logged in: no tokens in ${summary.tokenFile} (run globus-tokens login)`, ExitCodes.NOT_FOUND);
    if (context.json) context.print(JSON.stringify(summary, null, 2));
    else for (const line of identityLines(summary, context.now())) context.print(line);
    return ExitCodes.OK;
  } finally {
    await session.app.close();
  }
}
