// The login and consent pages (oidc-provider's interactions): who logs in, and what they allow.
import { sameSecret } from './basic-credentials.mjs';
import { recordConsents } from './consents.mjs';
import { readBody, sendHTML } from './http.mjs';
import { consentPage, loginPage } from './pages.mjs';

/**
 * @param {object} context
 * @param {import('oidc-provider').default} context.provider
 * @param {import('./types').Settings} context.settings
 * @param {import('./consents.mjs').Consents} context.consents - Where consents given on the page are recorded.
 * @param {() => void} context.saveConsents - Keeps them in the state file, if there is one.
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL) => Promise<unknown>}
 *   The handler of `/interaction/{uid}…`.
 */
export function createInteractionHandler({ provider, settings, consents, saveConsents }) {
  return async (req, res, url) => {
    const [, , uid, action] = url.pathname.split('/');
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return sendHTML(res, 400, '<p>Unknown interaction.</p>');
    const { prompt, params, session } = details;
    const clientId = /** @type {string} */ (params.client_id);
    const accountId = /** @type {string} */ (session?.accountId);

    if (req.method === 'GET' && action === undefined) {
      return sendHTML(res, 200, prompt.name === 'login' ? loginPage(uid, params) : consentPage(uid, params, prompt));
    }
    if (req.method === 'POST' && action === 'login') {
      const form = new URLSearchParams(await readBody(req));
      const user = settings.users.find((candidate) => candidate.username === form.get('username'));
      if (!user || !sameSecret(user.password, form.get('password') ?? '')) {
        return sendHTML(res, 401, loginPage(uid, params, 'Unknown username or wrong password.'));
      }
      return provider.interactionFinished(req, res, { login: { accountId: user.identityId } }, { mergeWithLastSubmission: false });
    }
    if (req.method === 'POST' && action === 'confirm') {
      const grant = details.grantId
        ? /** @type {import('oidc-provider').Grant} */ (await provider.Grant.find(details.grantId))
        : new provider.Grant({ accountId, clientId });
      const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = /** @type {import('./pages.mjs').MissingConsents} */ (
        prompt.details
      );
      if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
      if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      recordConsents(consents, accountId, clientId, [...(missingOIDCScope ?? []), ...Object.values(missingResourceScopes ?? {}).flat()]);
      saveConsents();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    if (req.method === 'POST' && action === 'abort') {
      const result = { error: 'access_denied', error_description: 'The user denied the request.' };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }
    return sendHTML(res, 404, '<p>Not found.</p>');
  };
}
