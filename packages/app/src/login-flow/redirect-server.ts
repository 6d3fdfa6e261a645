import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoginCallbackError } from '@globus-tokenstorage/core';
import { LANDING_PAGE_HEADERS, landingPage } from './landing-page';

/** The loopback address the server binds: never `localhost`, which Node may resolve to `::1`. */
const LOOPBACK = '127.0.0.1';

/** The longest OAuth2 error description shown or kept; the redirect's query is anyone's to write. */
const MAX_DESCRIPTION_LENGTH = 300;

/** A server on `127.0.0.1` waiting for the one redirect of a login. */
export interface RedirectServer {
  /** `http://127.0.0.1:{port}{path}`. */
  readonly redirectUri: string;
  /**
   * Waits for the redirect with the expected `state`: resolves to its `code`, or rejects with
   * `LoginCallbackError` for an `error=` redirect. Other requests get 404 / 400 and the wait goes on.
   * Rejects with the signal's reason when it aborts.
   */
  waitForCode(state: string, signal: AbortSignal): Promise<string>;
  /** Stops listening and drops every connection; resolves once the port is free. */
  close(): Promise<void>;
}

/**
 * Starts listening on a free port of `127.0.0.1`.
 *
 * @param path - The redirect path, starting with `/`.
 * @param pages - The landing pages' texts.
 * @returns The server.
 */
export async function startRedirectServer(path: string, pages: { success: string; failure: string }): Promise<RedirectServer> {
  let onRequest: (request: IncomingMessage, response: ServerResponse) => unknown = (_request, response) =>
    answer(response, 404, 'Not found', 'There is no login in progress.');
  const server: Server = createServer((request, response) => onRequest(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = `${LOOPBACK}:${port}`;
  let closed: Promise<void> | null = null;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };

  return {
    redirectUri: `http://${host}${path}`,
    close,
    waitForCode: (state, signal) =>
      new Promise<string>((resolve, reject) => {
        const settle = (outcome: () => void) => {
          signal.removeEventListener('abort', onAbort);
          onRequest = (_request, response) => answer(response, 410, 'Login finished', 'This login has already finished.');
          outcome();
        };
        const onAbort = () => settle(() => reject(signal.reason));
        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
        onRequest = (request, response) => {
          const url = new URL(request.url ?? '/', `http://${host}`);
          // A page of another site that reaches this port (DNS rebinding) does not name it as Host.
          if (request.headers.host !== host) return answer(response, 400, 'Bad request', 'This server only answers the login redirect.');
          if (request.method !== 'GET' || url.pathname !== path)
            return answer(response, 404, 'Not found', 'This is not the login redirect.');
          if (url.searchParams.get('state') !== state) {
            return answer(
              response,
              400,
              'Not this login',
              'This link does not belong to the login in progress; the login is still waiting.',
            );
          }
          const error = url.searchParams.get('error');
          if (error !== null) {
            const reason = shortText(error);
            const description = url.searchParams.has('error_description')
              ? shortText(url.searchParams.get('error_description') ?? '')
              : null;
            const refused = new LoginCallbackError(`the login was refused by the authorization server: ${reason}`, { reason, description });
            const sent = answer(
              response,
              400,
              'Login failed',
              `${pages.failure} (${reason}${description === null ? '' : `: ${description}`})`,
            );
            return settle(() => void sent.then(() => reject(refused)));
          }
          const code = url.searchParams.get('code');
          if (code === null || code === '')
            return answer(response, 400, 'Bad request', 'The redirect carries no authorization code; the login is still waiting.');
          const sent = answer(response, 200, 'Login successful', pages.success);
          return settle(() => void sent.then(() => resolve(code)));
        };
      }),
  };
}

/** Sends a landing page; resolves once it is written out (or the connection is gone). */
function answer(response: ServerResponse, status: number, title: string, message: string): Promise<void> {
  response.writeHead(status, { ...LANDING_PAGE_HEADERS, Connection: 'close' });
  return new Promise<void>((resolve) => {
    response.once('close', resolve);
    response.end(landingPage(title, message));
  });
}

/** Printable text of at most {@link MAX_DESCRIPTION_LENGTH} characters. */
function shortText(text: string): string {
  const printable = text.replace(/[\p{Cc}\p{Cf}\p{Cs}]/gu, '');
  return printable.length > MAX_DESCRIPTION_LENGTH ? `${printable.slice(0, MAX_DESCRIPTION_LENGTH)}…` : printable;
}
