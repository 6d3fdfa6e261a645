import {
  InvalidArgumentError,
  InvalidTokenDataError,
  TokenFileFormatError,
  TokenStorageData,
  TokenStorageError,
  validateTokenFile,
  type OAuthTokenResponse,
  type TokenDict,
} from '@globus-tokenstorage/core';
import { assertKnownOptions, toPythonJSON } from '@globus-tokenstorage/core/backend';
import { toTokenFileAccessError, writeFileAtomic } from '@globus-tokenstorage/core/node';
import { access } from 'node:fs/promises';
import { version } from '../package.json';
import { readJsonObjectFile } from './read-token-file';

/** The key the contrib package adds to the token dict, and the value we write there. */
export const LEGACY_VERSION_KEY = 'globus-sdk-tokenstorage.version';
const WRITER_VERSION = `@globus-tokenstorage/legacy-file-adapter ${version}`;

/** Which token of a response the adapter keeps: give exactly one. */
export type SimpleJSONFileAdapterOptions = { resourceServer: string; scopes?: undefined } | { scopes: string; resourceServer?: undefined };

/** The file's content: one flat token dict (nulls kept) plus the version key. */
export interface LegacyTokenFileDict extends TokenDict {
  [LEGACY_VERSION_KEY]: string;
  [key: string]: unknown;
}

/**
 * The single-token JSON file of the legacy contrib package `globus_sdk_tokenstorage`
 * (`SimpleJSONFileAdapter`): each `store` overwrites the file with the one token selected by
 * resource server or by scopes. Reads files the Python package wrote; writes files it reads.
 *
 * Unlike the Python original, writes are atomic and `0600` whatever the umask, an existing file that
 * cannot be parsed (or that is a multi-token storage file) is never overwritten, a response
 * without the configured token throws a typed error before anything is written, and a refresh
 * answer without a refresh token keeps the stored one.
 *
 * @example
 * ```ts
 * const adapter = new SimpleJSONFileAdapter('transfer-tokens.json', { resourceServer: 'transfer.api.globus.org' });
 * if (!(await adapter.fileExists())) await adapter.store(await client.oauth2ExchangeCodeForTokens(code));
 * const { refresh_token, access_token, expires_at_seconds } = (await adapter.readAsDict())!;
 * const authorizer = new RefreshTokenAuthorizer(refresh_token!, client, {
 *   accessToken: access_token, expiresAtSeconds: expires_at_seconds, onRefresh: adapter.onRefresh,
 * });
 * ```
 */
export class SimpleJSONFileAdapter {
  /** The token file. */
  readonly filename: string;
  /** The resource server whose token is kept, or `null` when selecting by scopes. */
  readonly resourceServer: string | null;
  /** The space-separated scopes whose token is kept, or `null` when selecting by resource server. */
  readonly scopes: string | null;

  /**
   * Stores a token response: for use as `onRefresh` of an authorizer. The same function as
   * {@link SimpleJSONFileAdapter.store}, bound to this adapter, so it can be passed around detached.
   */
  readonly onRefresh: (tokenResponse: OAuthTokenResponse) => Promise<void>;

  /**
   * @param filename - The token file (need not exist yet; parent directories are created `0700`).
   * @param options - Exactly one of `resourceServer` or `scopes`.
   * @throws {@link InvalidArgumentError} "cannot take both resourceServer and scopes" or "you must
   *   pass resourceServer or scopes" (the Python messages' meaning), for a bad filename, or an unknown option.
   */
  constructor(filename: string, options: SimpleJSONFileAdapterOptions) {
    if (typeof filename !== 'string' || filename === '') throw new InvalidArgumentError('filename must be a non-empty string');
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('you must pass resourceServer or scopes');
    assertKnownOptions(options, ['resourceServer', 'scopes'], 'SimpleJSONFileAdapter');
    const { resourceServer, scopes } = options as { resourceServer?: unknown; scopes?: unknown };
    for (const [name, value] of [
      ['resourceServer', resourceServer],
      ['scopes', scopes],
    ] as const) {
      if (value !== undefined && value !== null && typeof value !== 'string') throw new InvalidArgumentError(`${name} must be a string`);
    }
    // Truthiness, as in the Python package: an empty string counts as not given.
    if (resourceServer && scopes) throw new InvalidArgumentError('cannot take both resourceServer and scopes');
    if (!resourceServer && !scopes) throw new InvalidArgumentError('you must pass resourceServer or scopes');
    this.filename = filename;
    this.resourceServer = (resourceServer as string) || null;
    this.scopes = (scopes as string) || null;
    this.onRefresh = (tokenResponse) => this.store(tokenResponse);
  }

  /**
   * Writes the selected token of a response to the file, replacing its content atomically. A refresh
   * answer without a refresh token keeps the one the file holds for the same resource server (the
   * Python package drops it, so the next run cannot refresh).
   *
   * @param tokenResponse - A login or refresh response.
   * @throws {@link InvalidTokenDataError} if the response has no token for the resource server, or
   *   no single token carrying all the scopes; the file is unchanged.
   * @throws {@link TokenFileFormatError} if the existing file cannot be parsed or holds a multi-token
   *   storage file (any file with a `format_version`); it is not overwritten.
   * @throws {@link TokenFileAccessError} naming the file if it cannot be read or replaced (permissions,
   *   a directory or a FIFO in its place, a file its owner made read-only with `chmod 400`).
   */
  async store(tokenResponse: OAuthTokenResponse): Promise<void> {
    const dict = this.selectToken(tokenResponse);
    const existing = await this.replaceableContent();
    const kept =
      tokenResponse.grantType === 'refresh_token' && !dict.refresh_token ? keptRefreshToken(existing, dict.resource_server) : null;
    const written = kept === null ? dict : { ...dict, refresh_token: kept };
    await writeFileAtomic(this.filename, toPythonJSON({ ...written, [LEGACY_VERSION_KEY]: WRITER_VERSION }));
  }

  /**
   * @returns Whether the token file exists.
   * @throws {@link TokenFileAccessError} if that cannot be known (no permission to search its directory).
   */
  async fileExists(): Promise<boolean> {
    try {
      await access(this.filename);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw toTokenFileAccessError(error, this.filename, 'read');
    }
  }

  /**
   * The file's content as written (tokens included, nulls kept, with the version key).
   *
   * @returns The parsed object, or `null` if the file does not exist.
   * @throws {@link TokenFileFormatError} if the file cannot be parsed.
   * @throws {@link TokenFileAccessError} if it cannot be read (permissions, a directory or a FIFO in its place).
   */
  async readAsDict(): Promise<LegacyTokenFileDict | null> {
    return (await readJsonObjectFile(this.filename)) as LegacyTokenFileDict | null;
  }

  /**
   * The stored token as validated token data.
   *
   * @returns The token, or `null` if the file does not exist.
   * @throws {@link TokenFileFormatError} if the file cannot be parsed or is not a valid token file.
   */
  async readTokenData(): Promise<TokenStorageData | null> {
    const dict = await this.readAsDict();
    if (dict === null) return null;
    const { [LEGACY_VERSION_KEY]: _version, ...entry } = dict;
    try {
      return TokenStorageData.fromDict(entry);
    } catch (error) {
      if (!InvalidTokenDataError.isInstance(error)) throw error;
      throw new TokenFileFormatError(`the token file '${this.filename}' holds invalid token data: ${error.message}`, {
        filePath: this.filename,
      });
    }
  }

  /** A description naming the file and selection; never a token. */
  toString(): string {
    const selection =
      this.resourceServer === null ? `scopes=${JSON.stringify(this.scopes)}` : `resourceServer=${JSON.stringify(this.resourceServer)}`;
    return `SimpleJSONFileAdapter(${JSON.stringify(this.filename)}, ${selection})`;
  }

  private selectToken(tokenResponse: OAuthTokenResponse): TokenDict {
    if (typeof tokenResponse !== 'object' || tokenResponse === null || typeof tokenResponse.byResourceServer !== 'object') {
      throw new InvalidArgumentError('store needs an OAuthTokenResponse (build one with OAuthTokenResponse.fromJSON)');
    }
    if (this.resourceServer !== null) {
      const { byResourceServer } = tokenResponse;
      if (!Object.hasOwn(byResourceServer, this.resourceServer)) {
        throw new InvalidTokenDataError(`the token response has no token for the resource server '${this.resourceServer}'`);
      }
      return byResourceServer[this.resourceServer] as TokenDict;
    }
    try {
      return tokenResponse.byScopes.get(this.scopes as string);
    } catch (error) {
      if (!TokenStorageError.isInstance(error)) throw error;
      throw new InvalidTokenDataError(`no single token of the token response carries the scopes '${this.scopes}'`);
    }
  }

  /**
   * The current content, if the file may be replaced: refuses a file we cannot parse, or a storage
   * file holding many tokens.
   */
  private async replaceableContent(): Promise<Record<string, unknown> | null> {
    const existing = await readJsonObjectFile(this.filename);
    if (existing === null) return null;
    const { kind } = validateTokenFile(existing);
    if (kind === '2.0' || kind === '1.0') {
      throw new TokenFileFormatError(
        `the token file '${this.filename}' is a format ${kind} token storage file, not a single-token file; refusing to overwrite it`,
        { filePath: this.filename },
      );
    }
    // A storage file of a format this version does not know (a later Python SDK's) holds many tokens too.
    if (Object.hasOwn(existing, 'format_version')) {
      throw new TokenFileFormatError(
        `the token file '${this.filename}' has a 'format_version': a token storage file of an unknown format, not a single-token file; refusing to overwrite it`,
        { filePath: this.filename },
      );
    }
    return existing;
  }
}

/**
 * The refresh token the file holds for `resourceServer`, kept when a refresh answer carries none:
 * a server that does not rotate refresh tokens may leave it out, and dropping it would log the user
 * out at the next run.
 */
function keptRefreshToken(existing: Record<string, unknown> | null, resourceServer: string): string | null {
  if (existing === null || existing.resource_server !== resourceServer) return null;
  const { refresh_token: refreshToken } = existing;
  return typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : null;
}
