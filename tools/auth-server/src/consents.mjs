// The consents users give on the consent page, and Globus's endpoint that lists them.
import { randomUUID } from 'node:crypto';
import { basicCredentials, sameSecret } from './basic-credentials.mjs';
import { sendJSON } from './http.mjs';

/** @typedef {{ id: number; client: string; scope: string; scope_name: string; effective_identity: string; dependency_path: number[]; created: string; updated: string; last_used: string; status: string; allows_refresh: boolean; auto_approved: boolean; atomically_revocable: boolean }} Consent */
/** @typedef {{ byIdentity: Map<string, Consent[]>; nextId: number }} Consents */

/**
 * Records the consents of `identityId` to `clientId` for `scopeNames` (each once; `offline_access` is none).
 *
 * @param {Consents} consents
 * @param {string} identityId
 * @param {string} clientId
 * @param {string[]} scopeNames
 */
export function recordConsents(consents, identityId, clientId, scopeNames) {
  const list = consents.byIdentity.get(identityId) ?? [];
  const now = new Date().toISOString();
  for (const scopeName of scopeNames) {
    if (scopeName === 'offline_access' || list.some((item) => item.client === clientId && item.scope_name === scopeName)) continue;
    const id = consents.nextId;
    consents.nextId += 1;
    list.push({
      id,
      client: clientId,
      scope: randomUUID(),
      scope_name: scopeName,
      effective_identity: identityId,
      dependency_path: [id],
      created: now,
      updated: now,
      last_used: now,
      status: 'approved',
      allows_refresh: true,
      auto_approved: false,
      atomically_revocable: false,
    });
  }
  consents.byIdentity.set(identityId, list);
}

/**
 * `GET /v2/api/identities/{id}/consents`, for confidential clients (verbatim Basic credentials):
 * the consents given to the calling client, or to every client with `all=True`.
 *
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 * @param {string} identityId
 * @param {{ consents: Consents; confidentialClients: Map<string, string> }} context - The recorded consents, and the confidential clients' secrets by client ID.
 */
export function consentList(req, res, url, identityId, { consents, confidentialClients }) {
  if (req.method !== 'GET') return sendJSON(res, 405, { error: 'method_not_allowed' });
  const credentials = basicCredentials(req.headers.authorization);
  const secret = credentials && confidentialClients.get(credentials.clientId);
  if (!secret || !sameSecret(secret, credentials.clientSecret)) {
    res.setHeader('WWW-Authenticate', 'Basic realm="globus"');
    return sendJSON(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
  }
  const all = url.searchParams.get('all') === 'True';
  const list = (consents.byIdentity.get(identityId) ?? []).filter((consent) => all || consent.client === credentials.clientId);
  return sendJSON(res, 200, { consents: list });
}
