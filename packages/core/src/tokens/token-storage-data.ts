import { assertKnownOptions } from '../arguments/assert-known-options';
import { InvalidArgumentError, InvalidTokenDataError } from '../errors';
import { INSPECT_CUSTOM, redactSecret, redactSecretFields } from '../redaction';
import { frozenJsonCopy, isPlainObject } from './json-value';
import { setOwnEntry } from '../objects/set-own-entry';
import { checkedClock } from '../arguments/checked-clock';

/** Fields accepted by the {@link TokenStorageData} constructor. */
export interface TokenStorageDataInit {
  /** The resource server the token is for, e.g. `transfer.api.globus.org`. */
  resourceServer: string;
  /** The Globus identity the token belongs to. @default null */
  identityId?: string | null;
  /** Space-separated scopes granted to the token. */
  scope: string;
  /** The access token. */
  accessToken: string;
  /** The refresh token, if the login requested one. @default null */
  refreshToken?: string | null;
  /** When the access token expires, in whole epoch seconds. */
  expiresAtSeconds: number;
  /** The token type, normally `Bearer`. @default null */
  tokenType?: string | null;
  /** Unknown keys read from disk, kept and written back. Must be JSON values. @default {} */
  extra?: Readonly<Record<string, unknown>>;
}

/**
 * The on-disk (snake_case) form of a token, as `toDict()` writes it: Python's key order, `null`
 * optionals omitted, `extra` keys after the known ones.
 */
export interface TokenDataDict {
  resource_server: string;
  identity_id?: string;
  scope: string;
  access_token: string;
  refresh_token?: string;
  expires_at_seconds: number;
  token_type?: string;
  [extraKey: string]: unknown;
}

type FieldKind = 'string' | 'string or null' | 'int';

const INIT_KEYS: readonly string[] = [
  'resourceServer',
  'identityId',
  'scope',
  'accessToken',
  'refreshToken',
  'expiresAtSeconds',
  'tokenType',
  'extra',
];
/**
 * Marks the init objects this module builds from validated dicts, whose keys need no check: reads
 * build token data for every entry, and the check would cost a third of the construction.
 */
const BUILT_HERE = Symbol('built from a dict');
type FieldName = Exclude<keyof TokenStorageDataInit, 'extra'>;

/** The seven fields in Python's constructor (and serialisation) order. */
const FIELDS: ReadonlyArray<readonly [FieldName, string, FieldKind]> = [
  ['resourceServer', 'resource_server', 'string'],
  ['identityId', 'identity_id', 'string or null'],
  ['scope', 'scope', 'string'],
  ['accessToken', 'access_token', 'string'],
  ['refreshToken', 'refresh_token', 'string or null'],
  ['expiresAtSeconds', 'expires_at_seconds', 'int'],
  ['tokenType', 'token_type', 'string or null'],
];
const DICT_KEYS: ReadonlySet<string> = new Set(FIELDS.map(([, key]) => key));
const BRAND = Symbol.for('globus-tokenstorage.TokenStorageData');

/**
 * One stored token: an immutable record with the fields of the Python SDK's `TokenStorageData`.
 *
 * Token values are readable as properties, but `toJSON()`, `toString()` and `util.inspect` redact
 * them; only {@link TokenStorageData.toDict} reveals them (for writing to storage).
 *
 * @example
 * ```ts
 * const data = new TokenStorageData({
 *   resourceServer: 'transfer.api.globus.org',
 *   identityId: null,
 *   scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
 *   accessToken: 'AT...',
 *   refreshToken: 'RT...',
 *   expiresAtSeconds: Math.trunc(Date.now() / 1000) + 3600,
 *   tokenType: 'Bearer',
 * });
 * console.log(String(data)); // tokens show as [redacted]
 * ```
 */
export class TokenStorageData {
  /** `"TokenStorageData"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static get name(): string {
    return 'TokenStorageData';
  }

  /** The resource server the token is for. */
  readonly resourceServer: string;
  /** The Globus identity the token belongs to, or `null` if unknown. */
  readonly identityId: string | null;
  /** Space-separated scopes granted to the token. */
  readonly scope: string;
  /** The access token. */
  readonly accessToken: string;
  /** The refresh token, or `null`. */
  readonly refreshToken: string | null;
  /** When the access token expires, in whole epoch seconds. */
  readonly expiresAtSeconds: number;
  /** The token type (normally `Bearer`), or `null`. */
  readonly tokenType: string | null;
  /** Unknown keys read from disk (deeply frozen). */
  readonly extra: Readonly<Record<string, unknown>>;

  /**
   * @param init - The fields; types are checked like the Python SDK's.
   * @throws {@link InvalidTokenDataError} naming the first field with a wrong type (e.g.
   *   `'scope' must be a string`), or describing a bad `extra`.
   * @throws {@link InvalidArgumentError} for a key that is not a field (a misspelt `identityID`
   *   would otherwise be dropped silently).
   */
  constructor(init: TokenStorageDataInit) {
    if (typeof init !== 'object' || init === null || Array.isArray(init)) {
      throw new InvalidTokenDataError('TokenStorageData needs an object of fields');
    }
    if ((init as { [BUILT_HERE]?: true })[BUILT_HERE] !== true) assertKnownOptions(init, INIT_KEYS, 'TokenStorageData');
    // Checked in Python's field order, so the first bad field is the one reported.
    this.resourceServer = checked(init.resourceServer, 'resourceServer', 'string') as string;
    this.identityId = checked(init.identityId ?? null, 'identityId', 'string or null') as string | null;
    this.scope = checked(init.scope, 'scope', 'string') as string;
    this.accessToken = checked(init.accessToken, 'accessToken', 'string') as string;
    this.refreshToken = checked(init.refreshToken ?? null, 'refreshToken', 'string or null') as string | null;
    this.expiresAtSeconds = checked(init.expiresAtSeconds, 'expiresAtSeconds', 'int') as number;
    this.tokenType = checked(init.tokenType ?? null, 'tokenType', 'string or null') as string | null;
    this.extra = init.extra === undefined ? NO_EXTRA : checkedExtra(init.extra);
    Object.freeze(this);
  }

  /**
   * Reads a stored entry: a 2.0 entry or SQLite row (nulls omitted), or a 1.0 / legacy dict (nulls
   * present, other key order). Unknown keys go to `extra`.
   *
   * @param dict - Any parsed JSON value.
   * @returns The token data.
   * @throws {@link InvalidTokenDataError} for anything that is not a valid entry, with Python's
   *   message for the first bad field (`'expires_at_seconds' must be an int`). Never throws another
   *   error type, whatever the input.
   */
  static fromDict(dict: unknown): TokenStorageData {
    if (!isPlainObject(dict)) {
      const got = dict === null ? 'null' : Array.isArray(dict) ? 'an array' : typeof dict;
      throw new InvalidTokenDataError(`token data must be a JSON object, got ${got}`);
    }
    if (!hasValidFields(dict)) throw new InvalidTokenDataError(firstFieldProblem(dict));
    const extra: Record<string, unknown> = {};
    for (const key of Object.keys(dict)) {
      if (!DICT_KEYS.has(key)) setOwnEntry(extra, key, dict[key]);
    }
    return new TokenStorageData({
      resourceServer: dict.resource_server as string,
      identityId: (dict.identity_id as string | null | undefined) ?? null,
      scope: dict.scope as string,
      accessToken: dict.access_token as string,
      refreshToken: (dict.refresh_token as string | null | undefined) ?? null,
      expiresAtSeconds: dict.expires_at_seconds as number,
      tokenType: (dict.token_type as string | null | undefined) ?? null,
      extra,
      [BUILT_HERE]: true,
    } as TokenStorageDataInit);
  }

  /**
   * Whether `value` is a `TokenStorageData`, also when it was made by another copy of this package.
   *
   * @param value - Anything.
   * @returns `true` for token data.
   */
  static isInstance(value: unknown): value is TokenStorageData {
    // The brand sits on the prototype (see below), so it survives duplicate copies of this package.
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** Whether a refresh token is stored. */
  get hasRefreshToken(): boolean {
    return this.refreshToken !== null;
  }

  /**
   * Whether the access token has expired: `expiresAtSeconds - marginSeconds < now`.
   *
   * @param options - `marginSeconds` (default 0) treats a token that expires that soon as expired;
   *   `now` returns the current time in epoch seconds (default: the system clock).
   * @returns `true` if expired.
   * @throws {@link InvalidArgumentError} for a margin that is not a finite number, a `now` that is
   *   not a function or does not return one, or an unknown option: a wrong option must not make an
   *   expired token look valid.
   */
  isExpired(options: { marginSeconds?: number; now?: () => number } = {}): boolean {
    assertKnownOptions(options, ['marginSeconds', 'now'], 'isExpired');
    const margin = options.marginSeconds ?? 0;
    if (typeof margin !== 'number' || !Number.isFinite(margin)) throw new InvalidArgumentError("'marginSeconds' must be a finite number");
    const now = checkedClock(options.now)();
    if (typeof now !== 'number' || Number.isNaN(now)) throw new InvalidArgumentError("'now' must return the time in epoch seconds");
    return this.expiresAtSeconds - margin < now;
  }

  /**
   * A copy with some fields replaced.
   *
   * @param changes - The fields to replace.
   * @returns New token data; this one is unchanged.
   * @throws {@link InvalidTokenDataError} if a replaced field has a wrong type.
   * @throws {@link InvalidArgumentError} for a key that is not a field.
   */
  with(changes: Partial<TokenStorageDataInit>): TokenStorageData {
    return new TokenStorageData({ ...this.toInit(), ...changes });
  }

  /**
   * The on-disk form, revealing the tokens: snake_case keys in Python's order, `null` optionals
   * omitted, then the `extra` keys.
   *
   * @returns A new plain object.
   */
  toDict(): TokenDataDict {
    const dict: Record<string, unknown> = {};
    for (const [name, key] of FIELDS) {
      const value = this[name];
      if (value !== null) dict[key] = value;
    }
    for (const [key, value] of Object.entries(this.extra)) {
      setOwnEntry(dict, key, value);
    }
    return dict as TokenDataDict;
  }

  /** A JSON-friendly view with both tokens redacted. */
  toJSON(): Record<string, unknown> {
    return {
      resourceServer: this.resourceServer,
      identityId: this.identityId,
      scope: this.scope,
      accessToken: redactSecret(this.accessToken),
      refreshToken: redactSecret(this.refreshToken),
      expiresAtSeconds: this.expiresAtSeconds,
      tokenType: this.tokenType,
      extra: redactSecretFields(this.extra),
    };
  }

  /** A one-line description with both tokens redacted. */
  toString(): string {
    return `TokenStorageData(${JSON.stringify(this.toJSON())})`;
  }

  /** What `util.inspect` (and so `console.log`) shows: the redacted view. */
  [INSPECT_CUSTOM](): string {
    return this.toString();
  }

  private toInit(): TokenStorageDataInit {
    return {
      resourceServer: this.resourceServer,
      identityId: this.identityId,
      scope: this.scope,
      accessToken: this.accessToken,
      refreshToken: this.refreshToken,
      expiresAtSeconds: this.expiresAtSeconds,
      tokenType: this.tokenType,
      extra: this.extra,
    };
  }
}

Object.defineProperty(TokenStorageData.prototype, BRAND, { value: true });

const NO_EXTRA: Readonly<Record<string, unknown>> = Object.freeze({});

function checked(value: unknown, name: string, kind: FieldKind): unknown {
  if (!hasKind(value, kind)) throw new InvalidTokenDataError(`'${name}' must be ${describe(kind)}`);
  return value;
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  if (kind === 'int') return typeof value === 'number' && Number.isSafeInteger(value);
  if (kind === 'string or null' && value === null) return true;
  return typeof value === 'string';
}

function describe(kind: FieldKind): string {
  return kind === 'int' ? 'an int' : `a ${kind}`;
}

function checkedExtra(extra: unknown): Readonly<Record<string, unknown>> {
  if (!isPlainObject(extra)) throw new InvalidTokenDataError("'extra' must be a plain object");
  if (Object.keys(extra).length === 0) return NO_EXTRA;
  for (const key of Object.keys(extra)) {
    if (DICT_KEYS.has(key)) throw new InvalidTokenDataError(`'extra' must not hold the token field '${key}'`);
  }
  return frozenJsonCopy(extra, "'extra'") as Readonly<Record<string, unknown>>;
}

/**
 * Whether a dict is a valid token entry: the rules of the token entry schema (an absent optional field
 * may also be `undefined`), with a safe-integer expiry. Unrolled: every read of a stored token
 * passes here (test/token-storage-data.test.ts checks it against the schema).
 */
function hasValidFields(dict: Record<string, unknown>): boolean {
  return (
    typeof dict.resource_server === 'string' &&
    isOptionalString(dict.identity_id) &&
    typeof dict.scope === 'string' &&
    typeof dict.access_token === 'string' &&
    isOptionalString(dict.refresh_token) &&
    Number.isSafeInteger(dict.expires_at_seconds) &&
    isOptionalString(dict.token_type)
  );
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

/** Python's message for the first field (in field order) that fails validation. */
function firstFieldProblem(dict: Record<string, unknown>): string {
  for (const [, key, kind] of FIELDS) {
    const value = Object.hasOwn(dict, key) ? dict[key] : kind === 'string or null' ? null : undefined;
    if (!hasKind(value, kind)) return `'${key}' must be ${describe(kind)}`;
  }
  return 'token data does not match the token entry schema';
}
