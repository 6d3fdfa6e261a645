// `/__control/…`: what tests in other processes ask of the server, as JSON over HTTP.
import { readBody, sendJSON } from './http.mjs';

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 * @param {import('./types').AuthServer} server
 */
export async function control(req, res, url, server) {
  if (req.method === 'GET' && url.pathname === '/__control/stats') return sendJSON(res, 200, server.stats);
  if (req.method === 'POST' && url.pathname === '/__control/stats/reset') {
    server.resetStats();
    return sendJSON(res, 200, server.stats);
  }
  if (req.method === 'POST' && url.pathname === '/__control/issue') {
    try {
      return sendJSON(res, 200, { tokens: await server.issueTokens(JSON.parse(await readBody(req))) });
    } catch (error) {
      return sendJSON(res, 400, { error: 'issue_failed', error_description: /** @type {Error} */ (error).message });
    }
  }
  if (req.method === 'POST' && url.pathname === '/__control/require-authorization') {
    try {
      server.requireAuthorization(JSON.parse(await readBody(req)));
    } catch (error) {
      return sendJSON(res, 400, { error: 'invalid_request', error_description: /** @type {Error} */ (error).message });
    }
    return sendJSON(res, 200, {});
  }
  if (req.method === 'POST' && url.pathname === '/__control/login') {
    let code;
    try {
      code = await server.login(JSON.parse(await readBody(req)));
    } catch (caught) {
      const error = /** @type {Error & { error?: string }} */ (caught);
      return sendJSON(res, 400, { error: error.error ?? 'login_failed', error_description: error.message });
    }
    return sendJSON(res, 200, { code });
  }
  return sendJSON(res, 404, { error: 'not_found' });
}
