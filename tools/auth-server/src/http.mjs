// Plain node:http helpers: bodies, JSON and HTML answers, loopback origins, listening and closing.

/**
 * The whole body of a request, as text.
 *
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<string>}
 */
export function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Answers with a JSON body, never cached (or ends the answer if its headers are already sent).
 *
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
export function sendJSON(res, status, body) {
  if (res.headersSent) return res.end();
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  return res.end(JSON.stringify(body));
}

/**
 * Answers with an HTML page around `body`, never cached.
 *
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} body
 */
export function sendHTML(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  return res.end(`<!doctype html><html><head><meta charset="utf-8"><title>auth-server</title></head><body>${body}</body></html>`);
}

/** @type {Record<string, string>} */
const HTML_ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * @param {unknown} text
 * @returns {string} `text` with the characters HTML gives a meaning escaped.
 */
export function escapeHTML(text) {
  return String(text).replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

/**
 * @param {string} origin
 * @returns {boolean} Whether `origin` is a page on this machine (`http://127.0.0.1:<port>`, `http://localhost:<port>`, `http://[::1]:<port>`).
 */
export function isLoopbackOrigin(origin) {
  return /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(origin);
}

/**
 * Listens on `port`; with `fallBack`, a port already taken (saved from an earlier run) gives way to a free one.
 *
 * @param {import('node:http').Server} server
 * @param {string} host
 * @param {number} port
 * @param {boolean} [fallBack=false]
 * @returns {Promise<void>}
 */
export async function listen(server, host, port, fallBack = false) {
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(undefined);
      });
    });
  } catch (error) {
    if (!fallBack || port === 0 || /** @type {NodeJS.ErrnoException} */ (error).code !== 'EADDRINUSE') throw error;
    await listen(server, host, 0);
  }
}

/**
 * @param {import('node:http').Server} server
 * @returns {number} The port `server` listens on.
 */
export function portOf(server) {
  return /** @type {import('node:net').AddressInfo} */ (server.address()).port;
}

/**
 * Stops `server`, ending the connections it still has.
 *
 * @param {import('node:http').Server} server
 * @returns {Promise<void>}
 */
export function close(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
