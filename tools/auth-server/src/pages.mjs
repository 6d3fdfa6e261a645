// The HTML of the login, consent and "copy this code" pages.
import { escapeHTML, sendHTML } from './http.mjs';

/** @typedef {{ missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> }} MissingConsents What a consent prompt asks for. */

/**
 * @param {string} uid - The interaction.
 * @param {import('oidc-provider').UnknownObject} params - The authorize request's parameters.
 * @param {string} [problem] - Why the last attempt failed.
 * @returns {string} The login form.
 */
export function loginPage(uid, params, problem) {
  return `<h1>Log in to ${escapeHTML(params.client_id)}</h1>${problem ? `<p role="alert">${escapeHTML(problem)}</p>` : ''}
<form method="post" action="/interaction/${escapeHTML(uid)}/login">
<label>Username <input name="username" value="" autocomplete="username"></label>
<label>Password <input name="password" type="password" value="" autocomplete="current-password"></label>
<button type="submit">Log in</button>
</form>`;
}

/**
 * @param {string} uid - The interaction.
 * @param {import('oidc-provider').UnknownObject} params - The authorize request's parameters.
 * @param {import('oidc-provider').PromptDetail} prompt - What is to be consented to.
 * @returns {string} The consent page, with an allow and a deny form.
 */
export function consentPage(uid, params, prompt) {
  const details = /** @type {MissingConsents} */ (prompt.details);
  const scopes = [...(details.missingOIDCScope ?? []), ...Object.values(details.missingResourceScopes ?? {}).flat()];
  return `<h1>Allow ${escapeHTML(params.client_id)}?</h1>
<ul>${scopes.map((scope) => `<li>${escapeHTML(scope)}</li>`).join('')}</ul>
<form id="allow" method="post" action="/interaction/${escapeHTML(uid)}/confirm"><button type="submit">Allow</button></form>
<form id="deny" method="post" action="/interaction/${escapeHTML(uid)}/abort"><button type="submit">Deny</button></form>`;
}

/**
 * Globus's "copy this code" page, the default redirect of native clients.
 *
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 */
export function authCodePage(res, url) {
  const code = url.searchParams.get('code');
  const error = url.searchParams.get('error');
  if (code)
    return sendHTML(
      res,
      200,
      `<h1>Native App Authorization Code</h1><p>Copy this code into your application:</p><pre>${escapeHTML(code)}</pre>`,
    );
  return sendHTML(res, 400, `<h1>Login failed</h1><p>${escapeHTML(error ?? 'no code')}</p>`);
}
