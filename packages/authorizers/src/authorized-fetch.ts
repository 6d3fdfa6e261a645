import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { assertKnownOptions } from '@globus-tokenstorage/core/backend';
import type { GlobusAuthorizer } from './globus-authorizer';

/** A `fetch`-compatible function. */
export type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** Options of {@link createAuthorizedFetch}. */
export interface AuthorizedFetchOptions {
  /** The underlying fetch. @default globalThis.fetch (looked up at each call) */
  fetch?: FetchFunction;
}

/**
 * `fetch` with an authorizer's `Authorization` header. On a `401` it calls
 * `authorizer.handleMissingAuthorization(rejectedHeader)` and, if that answers `true` and the body
 * can be sent again, retries once with the new header. A second `401` is returned to the caller.
 *
 * Bodies that can be sent again: none, a string, `URLSearchParams`, an `ArrayBuffer` or typed array,
 * a `Blob`, `FormData`, and a `Request` whose body has not been read (it is cloned before the first
 * attempt). A `ReadableStream` (or other one-shot body) cannot: the `401` response is then returned
 * as is, after `handleMissingAuthorization` has renewed the credentials for the next request.
 *
 * @param authorizer - Supplies the header; `null` from it (e.g. `NullAuthorizer`) removes any
 *   `Authorization` header the request carried.
 * @param input - As for `fetch`.
 * @param init - As for `fetch`.
 * @returns The response (the retried one after a successful renewal).
 * @throws Whatever the authorizer throws (a `TokenStorageError` subclass such as `AuthAPIError` when
 *   renewal fails), and whatever `fetch` throws.
 *
 * @example
 * ```ts
 * const response = await authorizedFetch(authorizer, 'https://groups.api.globus.org/v2/groups/my_groups');
 * ```
 */
export function authorizedFetch(authorizer: GlobusAuthorizer, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  return send(authorizer, (target, options) => globalThis.fetch(target, options), input, init);
}

/**
 * A `fetch`-compatible function bound to an authorizer; see {@link authorizedFetch}.
 *
 * @param authorizer - Supplies the header.
 * @param options - `fetch`: the underlying fetch.
 * @returns `(input, init?) => Promise<Response>`.
 * @throws {@link InvalidArgumentError} if `authorizer` is not a `GlobusAuthorizer`, `fetch` is not a function, or for an unknown option.
 *
 * @example
 * ```ts
 * const fetchGroups = createAuthorizedFetch(authorizer);
 * const response = await fetchGroups('https://groups.api.globus.org/v2/groups/my_groups');
 * ```
 */
export function createAuthorizedFetch(authorizer: GlobusAuthorizer, options: AuthorizedFetchOptions = {}): FetchFunction {
  checkAuthorizer(authorizer);
  assertKnownOptions(options, ['fetch'], 'createAuthorizedFetch');
  const fetchImpl = options.fetch;
  if (fetchImpl !== undefined && typeof fetchImpl !== 'function') throw new InvalidArgumentError("'fetch' must be a function");
  const underlying: FetchFunction = fetchImpl ?? ((target, init) => globalThis.fetch(target, init));
  return (input, init) => send(authorizer, underlying, input, init);
}

async function send(
  authorizer: GlobusAuthorizer,
  fetchImpl: FetchFunction,
  input: RequestInfo | URL,
  init: RequestInit | undefined,
): Promise<Response> {
  checkAuthorizer(authorizer);
  const request = isRequest(input) ? input : null;
  const ownBody = init?.body ?? null;
  let replayable: boolean;
  let retryInput: RequestInfo | URL = input;
  if (ownBody !== null) {
    replayable = isReplayableBody(ownBody);
  } else if (request !== null && request.body !== null && !request.bodyUsed) {
    retryInput = request.clone();
    replayable = true;
  } else {
    replayable = request === null || request.body === null;
  }

  const attempt = async (target: RequestInfo | URL) => {
    const header = await authorizer.getAuthorizationHeader();
    const headers = new Headers(init?.headers ?? (isRequest(target) ? target.headers : undefined));
    if (header === null) headers.delete('Authorization');
    else headers.set('Authorization', header);
    return { response: await fetchImpl(target, { ...init, headers }), header };
  };

  const first = await attempt(input);
  if (first.response.status !== 401) return first.response;
  let retry: boolean;
  try {
    retry = await authorizer.handleMissingAuthorization(first.header);
  } catch (error) {
    await discard(first.response);
    throw error;
  }
  if (!retry || !replayable) return first.response;
  await discard(first.response);
  return (await attempt(retryInput)).response;
}

function checkAuthorizer(authorizer: GlobusAuthorizer): void {
  if (
    typeof authorizer !== 'object' ||
    authorizer === null ||
    typeof authorizer.getAuthorizationHeader !== 'function' ||
    typeof authorizer.handleMissingAuthorization !== 'function'
  ) {
    throw new InvalidArgumentError('authorizer must implement getAuthorizationHeader() and handleMissingAuthorization()');
  }
}

/** Duck-typed, so a `Request` of another fetch implementation counts too. */
function isRequest(input: unknown): input is Request {
  if (typeof input !== 'object' || input === null || input instanceof URL) return false;
  const candidate = input as Partial<Request>;
  return typeof candidate.url === 'string' && typeof candidate.clone === 'function' && typeof candidate.headers === 'object';
}

/** Bodies fetch can serialise again. Checked by tag, so values from another realm count too. */
const REPLAYABLE_TAGS = new Set([
  '[object URLSearchParams]',
  '[object ArrayBuffer]',
  '[object SharedArrayBuffer]',
  '[object Blob]',
  '[object File]',
  '[object FormData]',
]);

function isReplayableBody(body: BodyInit): boolean {
  return typeof body === 'string' || ArrayBuffer.isView(body) || REPLAYABLE_TAGS.has(Object.prototype.toString.call(body));
}

/** Frees the connection of a response that will not be read. */
async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Already read or errored: nothing to free.
  }
}
