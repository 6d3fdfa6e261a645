// Drives the server's login and consent pages over plain HTTP, the way a browser would: follows
// redirects by hand, keeps cookies (honouring their Path), reads each page's form and posts it back.

const MAX_STEPS = 20;

/**
 * Logs a user in through an authorize URL and returns the authorization code.
 *
 * @param {object} options
 * @param {string} options.authorizeUrl - The URL a login client built (`oauth2GetAuthorizeUrl()`).
 * @param {string} options.username - Who logs in.
 * @param {string} options.password - Their password.
 * @param {string} [options.clientId] - If given, must equal the URL's `client_id`.
 * @param {boolean} [options.consent=true] - `false` denies consent (the promise then rejects with `access_denied`).
 * @param {typeof fetch} [options.fetch=globalThis.fetch]
 * @returns {Promise<string>} The `code` the server sent to the client's redirect URI.
 */
export async function login({ authorizeUrl, username, password, clientId, consent = true, fetch: fetchImpl = globalThis.fetch }) {
  const start = new URL(authorizeUrl);
  const redirectUri = start.searchParams.get('redirect_uri');
  if (!redirectUri) throw new Error('login: the authorize URL has no redirect_uri');
  if (clientId !== undefined && start.searchParams.get('client_id') !== clientId) {
    throw new Error(`login: the authorize URL is for client ${start.searchParams.get('client_id')}, not ${clientId}`);
  }
  const target = new URL(redirectUri);
  const jar = new CookieJar();
  /** @type {{ url: URL; method: string; body: string | undefined }} */
  let request = { url: start, method: 'GET', body: undefined };

  for (let step = 0; step < MAX_STEPS; step += 1) {
    /** @type {Record<string, string>} */
    const headers = { accept: 'text/html' };
    const cookie = jar.headerFor(request.url);
    if (cookie) headers.cookie = cookie;
    if (request.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetchImpl(request.url, { method: request.method, headers, body: request.body, redirect: 'manual' });
    jar.store(request.url, response.headers.getSetCookie());

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = new URL(response.headers.get('location') ?? '', request.url);
      if (location.origin === target.origin && location.pathname === target.pathname) return codeFrom(location);
      request = { url: location, method: 'GET', body: undefined };
      continue;
    }
    const page = await response.text();
    if (!response.ok)
      throw new Error(`login: ${request.method} ${request.url.pathname} answered HTTP ${response.status}: ${summary(page)}`);
    const form = readForm(page, consent);
    if (!form) throw new Error(`login: ${request.url.pathname} shows no form: ${summary(page)}`);
    const fields = new URLSearchParams(form.fields);
    if (fields.has('username')) fields.set('username', username);
    if (fields.has('password')) fields.set('password', password);
    request = { url: new URL(form.action, request.url), method: 'POST', body: fields.toString() };
  }
  throw new Error(`login: no authorization code after ${MAX_STEPS} requests`);
}

/**
 * @param {URL} location - Where the server redirected the browser.
 * @returns {string} The authorization code it carries.
 * @throws {Error} With the OAuth `error` (as `error.error`) if it carries one.
 */
function codeFrom(location) {
  const error = location.searchParams.get('error');
  if (error) {
    const description = location.searchParams.get('error_description');
    throw Object.assign(new Error(`login: the server answered ${error}${description ? `: ${description}` : ''}`), { error });
  }
  const code = location.searchParams.get('code');
  if (!code) throw new Error('login: the redirect carries neither a code nor an error');
  return code;
}

/**
 * The first form of a page (the login form, or the consent form's allow or deny button), with the
 * names and values of its inputs. Only reads the simple markup this server renders.
 *
 * @param {string} page
 * @param {boolean} consent - Pick the allow form (else the deny form) when there are several.
 * @returns {{ action: string; id: string | undefined; fields: string[][] } | undefined}
 */
function readForm(page, consent) {
  const forms = [...page.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, attributes, inner]) => ({
    action: attribute(attributes, 'action') ?? '',
    id: attribute(attributes, 'id'),
    // The inputs that have a name, as [name, value].
    fields: /** @type {string[][]} */ (
      [...inner.matchAll(/<input\b([^>]*)>/gi)]
        .map(([, input]) => [attribute(input, 'name'), attribute(input, 'value') ?? ''])
        .filter(([name]) => name)
    ),
  }));
  if (forms.length > 1) return forms.find((form) => form.id === (consent ? 'allow' : 'deny')) ?? forms[0];
  return forms[0];
}

/**
 * @param {string} attributes - The attributes of one tag.
 * @param {string} name
 * @returns {string | undefined} The attribute's value.
 */
function attribute(attributes, name) {
  const match = new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(attributes);
  return match ? decodeEntities(match[1]) : undefined;
}

/** @type {Record<string, string>} */
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

/**
 * @param {string} text
 * @returns {string} `text` with the entities this server writes decoded.
 */
function decodeEntities(text) {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, entity) => ENTITIES[entity] ?? entity);
}

/**
 * @param {string} page
 * @returns {string} The page's text, without tags, shortened for an error message.
 */
function summary(page) {
  return page
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** Name/value cookies keyed by name and path; enough for one origin on loopback. */
class CookieJar {
  /** @type {Map<string, { name: string; value: string; path: string }>} */
  #cookies = new Map();

  /**
   * @param {URL} url - The address that answered.
   * @param {string[]} setCookieHeaders - Its `Set-Cookie` headers.
   */
  store(url, setCookieHeaders) {
    for (const header of setCookieHeaders) {
      const [pair, ...attributes] = header.split(';').map((part) => part.trim());
      const separator = pair.indexOf('=');
      if (separator <= 0) continue;
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = false;
      for (const attributeText of attributes) {
        const [key, attributeValue = ''] = attributeText.split('=');
        if (key.toLowerCase() === 'path') path = attributeValue || '/';
        if (key.toLowerCase() === 'expires' && Date.parse(attributeValue) < Date.now()) expired = true;
        if (key.toLowerCase() === 'max-age' && Number(attributeValue) <= 0) expired = true;
      }
      const key = `${name};${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value, path });
    }
  }

  /**
   * @param {URL} url
   * @returns {string} The `Cookie` header for a request to `url`.
   */
  headerFor(url) {
    return [...this.#cookies.values()]
      .filter(({ path }) => url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`))
      .map(({ name, value }) => `${name}=${value}`)
      .join('; ');
  }
}
