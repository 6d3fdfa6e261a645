import type { CommandContext } from '../command';
import { CliError, ExitCodes } from '../cli-error';
import { DEFAULT_SCOPES, openAppSession } from '../app-session';
import { identityLines, summarizeIdentity } from '../identity-summary';

/**
 * `globus-tokens login`: logs the user in to the app named by `--client-id` and `--app-name`
 * (a `UserApp`, as Python's) unless its stored tokens are still valid (`--force` logs in anyway),
 * and stores the tokens in the app's default token file.
 */
export async function loginCommand(context: CommandContext): Promise<number> {
  const flow = context.values.flow ?? 'command-line';
  if (flow !== 'command-line' && flow !== 'local-server')
    throw new CliError(`--flow must be command-line or local-server, not '${String(flow)}'`, ExitCodes.USAGE);
  const scopeOption = context.values.scope;
  const scopes = (typeof scopeOption === 'string' ? scopeOption : DEFAULT_SCOPES).split(/\s+/).filter((scope) => scope !== '');
  if (scopes.length === 0) throw new CliError('--scope needs at least one scope', ExitCodes.USAGE);
  const session = openAppSession(context, { scopes, flow, requestRefreshTokens: context.values['refresh-tokens'] === true });
  // Ctrl-C cancels the login cleanly: the local server closes and the error says what happened.
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', onInterrupt);
  try {
    const force = context.values.force === true;
    const wasRequired = force || (await session.app.loginRequired());
    await session.app.login({ force, signal: interrupt.signal });
    const summary = await summarizeIdentity(session);
    if (context.json) {
      context.print(JSON.stringify({ loggedIn: true, loginPerformed: wasRequired, ...summary }, null, 2));
    } else {
      context.print(wasRequired ? 'Logged in.' : 'Already logged in (the stored tokens are valid; --force logs in again).');
      for (const line of identityLines(summary, context.now())) context.print(line);
    }
    return ExitCodes.OK;
  } finally {
    process.off('SIGINT', onInterrupt);
    await session.app.close();
  }
}
