// Starts the server in a child process and talks to it over HTTP: for test runners that load code as
// CommonJS (jest), which cannot import oidc-provider (ESM-only) in process.
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { AuthorizationParameters, AuthServerInfo as ServerNames, AuthServerStats, IssuedToken } from './types';

export type { AuthorizationParameters, AuthServerStats, IssuedToken };

/** What the auth server's CLI prints once it listens. */
export interface AuthServerInfo extends ServerNames {
  controlUrl: string;
}

/** A running auth server in a child process. */
export interface AuthServerProcess extends AuthServerInfo {
  stats(): Promise<AuthServerStats>;
  resetStats(): Promise<void>;
  /** Logs a user in through an authorize URL (login + consent pages) and returns the code. */
  login(options: { authorizeUrl: string; username: string; clientId?: string; consent?: boolean }): Promise<string>;
  /**
   * API tokens (with refresh tokens) for the native client, as if `username` had logged in `count`
   * times, without the login pages: one grant each (see the README).
   */
  issueTokens(options: { username: string; count?: number }): Promise<IssuedToken[]>;
  /**
   * Makes the next `count` (default 1) API requests with a valid token answer `403` with
   * `{ "code": "AuthorizationRequired", "authorization_parameters": … }` (a Globus Auth requirements error).
   */
  requireAuthorization(options: { count?: number; authorization_parameters?: AuthorizationParameters }): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts `@globus-tokenstorage/auth-server`'s CLI (oidc-provider is ESM-only, jest runs CommonJS)
 * and waits for its "ready" line.
 *
 * @param args - CLI flags, e.g. `['--rotate-refresh-tokens']`.
 */
export async function startAuthServerProcess(args: string[] = []): Promise<AuthServerProcess> {
  const cli = require.resolve('./cli.mjs');
  const child = spawn(process.execPath, [cli, '--exit-with-stdin', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const info = await new Promise<AuthServerInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`auth server not ready after 20 s: ${stderr}`)), 20000);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let message: { event?: string } & AuthServerInfo;
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return;
      }
      if (message.event === 'ready') {
        clearTimeout(timer);
        resolve(message);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`auth server exited with ${code}: ${stderr}`));
    });
  }).catch((error: unknown) => {
    // Not ready in time, or exited: nothing may outlive the failed start.
    child.kill('SIGTERM');
    throw error;
  });
  // A server its test forgot to close (a suite that failed half-way) must not keep the test run
  // open: it ends when this process does, as its stdin then closes (--exit-with-stdin).
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as Socket).unref();

  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${info.controlUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`auth server control ${path}: ${String(json.error_description ?? json.error)}`);
    return json;
  };
  return {
    ...info,
    stats: async () => (await control('GET', '/stats')) as unknown as AuthServerStats,
    resetStats: async () => {
      await control('POST', '/stats/reset');
    },
    login: async (options) => (await control('POST', '/login', options)).code as string,
    requireAuthorization: async (options) => {
      await control('POST', '/require-authorization', options);
    },
    issueTokens: async (options) => (await control('POST', '/issue', options)).tokens as IssuedToken[],
    close: async () => {
      child.stdin.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
