// Globus Auth requirements errors ("GARE"s) the protected API answers when a test asks for them.

/**
 * The Globus Auth `authorization_parameters` keys the API may ask for, and their types.
 *
 * @type {Record<string, 'list' | 'string' | 'boolean'>}
 */
const AUTHORIZATION_PARAMETER_TYPES = {
  required_scopes: 'list',
  session_message: 'string',
  session_required_identities: 'list',
  session_required_single_domain: 'list',
  session_required_policies: 'list',
  session_required_mfa: 'boolean',
  prompt: 'string',
};

/**
 * Makes the next `count` API requests with a valid token answer `403` with a Globus Auth
 * requirements error: `{ "code": "AuthorizationRequired", "authorization_parameters": {…} }`.
 *
 * @param {import('./types').Settings} settings - Where the requirements are kept.
 * @param {import('./types').AuthorizationRequirementsRequest} [request]
 * @throws {TypeError} For a count that is not a whole number, or parameters Globus Auth does not know or of the wrong type.
 */
export function requireAuthorization(settings, { count = 1, authorization_parameters: parameters = {} } = {}) {
  if (!Number.isSafeInteger(count) || count < 0) throw new TypeError("requireAuthorization: 'count' must be an integer >= 0");
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))
    throw new TypeError("requireAuthorization: 'authorization_parameters' must be an object");
  for (const [key, value] of Object.entries(parameters)) {
    const type = AUTHORIZATION_PARAMETER_TYPES[key];
    const valid = type === 'list' ? Array.isArray(value) && value.every((item) => typeof item === 'string') : typeof value === type;
    if (!valid) throw new TypeError(`requireAuthorization: unknown or mistyped authorization parameter '${key}'`);
  }
  settings.authorizationRequirements = { remaining: count, parameters: { ...parameters } };
}
