import {
  InvalidTokenDataError,
  TokenFileFormatError,
  TokenStorageData,
  TokenStorageError,
  UnsupportedFormatVersionError,
} from '@globus-tokenstorage/core';
import { setOwnEntry } from '@globus-tokenstorage/core/backend';
import { version } from '../package.json';

/** What we write as `"globus-sdk.version"` (the Python SDK requires a string there and reads nothing from it). */
export const WRITER_VERSION = `@globus-tokenstorage/web-storage ${version}`;

/** The top-level key holding the record's revision (a JSON token file reader ignores it). */
const REVISION_KEY = 'web-storage.revision';

/** The top-level keys of a new record, in the JSON backend's order (`data` is filled in when serialized). */
const NEW_RECORD_TOP: ReadonlyArray<[string, unknown]> = [
  ['data', null],
  ['format_version', '2.0'],
  ['globus-sdk.version', WRITER_VERSION],
];

/**
 * The text stored under one namespace's key: a JSON token file in format 2.0 (the JSON backend's
 * and the Python SDK's) holding that namespace, plus a revision number that grows with every write,
 * so that a tab can tell whether its view of the key is as new as the last write of any tab.
 * Immutable; every change returns a new record that keeps unknown keys and other namespaces.
 */
export class NamespaceRecord {
  private constructor(
    /** Names the key in messages, e.g. `localStorage["globus-tokenstorage:DEFAULT"]`. */
    readonly where: string,
    readonly namespace: string,
    /** 0 for a key that does not exist (or was written by someone else without a revision). */
    readonly revision: number,
    private readonly top: ReadonlyMap<string, unknown>,
    private readonly namespaces: ReadonlyMap<string, unknown>,
    /** This namespace's entries as parsed (each checked when read). */
    private readonly entries: ReadonlyMap<string, unknown>,
  ) {}

  /**
   * Parses the text of a key (or `null` for a missing key) like the JSON backend reads a file.
   *
   * @throws {@link UnsupportedFormatVersionError} if `format_version` is missing or not `"2.0"`.
   * @throws {@link TokenFileFormatError} if the text is not JSON or has the wrong shape.
   */
  static parse(text: string | null, where: string, namespace: string): NamespaceRecord {
    if (text === null) {
      return new NamespaceRecord(where, namespace, 0, new Map(), new Map(), new Map());
    }
    const fail = (problem: string) => new TokenFileFormatError(`${where} ${problem}; it is left unchanged`, { filePath: where });
    let root: unknown;
    try {
      root = JSON.parse(text);
    } catch {
      throw fail('is not valid JSON');
    }
    if (!isObject(root)) throw fail('does not hold a JSON object');
    const formatVersion = root.format_version;
    if (formatVersion !== '2.0') {
      throw new UnsupportedFormatVersionError(
        `${where} is in an unknown format (format_version=${JSON.stringify(formatVersion) ?? 'missing'}); it is left unchanged`,
        {
          filePath: where,
          formatVersion: typeof formatVersion === 'string' ? formatVersion : undefined,
        },
      );
    }
    if (!isObject(root.data)) throw fail("is malformed: 'data' is not a JSON object");
    const own = root.data[namespace];
    if (Object.hasOwn(root.data, namespace) && !isObject(own)) throw fail(`is malformed: namespace '${namespace}' is not a JSON object`);
    const revision = root[REVISION_KEY];
    return new NamespaceRecord(
      where,
      namespace,
      Number.isSafeInteger(revision) && (revision as number) > 0 ? (revision as number) : 0,
      new Map(Object.entries(root)),
      new Map(Object.entries(root.data)),
      new Map(Object.entries(own ?? {})),
    );
  }

  /** The number of entries of the namespace. */
  get size(): number {
    return this.entries.size;
  }

  /** @returns Whether the namespace has an entry under `key`. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * @returns The entry as token data, or `null`.
   * @throws {@link InvalidTokenDataError} naming the key, namespace and resource server if the entry is invalid.
   */
  tokenData(key: string): TokenStorageData | null {
    return this.entries.has(key) ? this.build(key, this.entries.get(key)) : null;
  }

  /**
   * @returns A new object mapping each resource server of the namespace to its token data.
   * @throws {@link InvalidTokenDataError} for the first invalid entry.
   */
  allTokenData(): Record<string, TokenStorageData> {
    const result: Record<string, TokenStorageData> = {};
    for (const [key, raw] of this.entries) {
      setOwnEntry(result, key, this.build(key, raw));
    }
    return result;
  }

  /** @returns A record with these entries added or replaced, at `revision`. */
  withEntries(changes: ReadonlyArray<readonly [string, TokenStorageData]>, revision: number): NamespaceRecord {
    const entries = new Map(this.entries);
    for (const [key, data] of changes) entries.set(key, data.toDict());
    return this.withNamespace(entries, revision);
  }

  /** @returns A record without the entry `key`, at `revision` (the namespace stays, empty if it was the last). */
  without(key: string, revision: number): NamespaceRecord {
    const entries = new Map(this.entries);
    entries.delete(key);
    return this.withNamespace(entries, revision);
  }

  /** The text to store: the JSON backend's key order for a new key, the existing order otherwise. */
  serialize(): string {
    const namespaceText = (name: string, entries: unknown) =>
      name === this.namespace ? objectText(entries as ReadonlyMap<string, unknown>) : JSON.stringify(entries);
    return objectText(this.top, (key, value) => (key === 'data' ? objectText(this.namespaces, namespaceText) : JSON.stringify(value)));
  }

  private withNamespace(entries: ReadonlyMap<string, unknown>, revision: number): NamespaceRecord {
    const top = new Map<string, unknown>(this.top.size > 0 ? this.top : NEW_RECORD_TOP);
    top.set(REVISION_KEY, revision);
    const namespaces = new Map(this.namespaces);
    namespaces.set(this.namespace, entries);
    return new NamespaceRecord(this.where, this.namespace, revision, top, namespaces, entries);
  }

  private build(key: string, raw: unknown): TokenStorageData {
    try {
      return TokenStorageData.fromDict(raw as Record<string, unknown>);
    } catch (error) {
      const reason = TokenStorageError.isInstance(error) ? error.message : 'it is not a token entry';
      throw new InvalidTokenDataError(`${entryName(this, key)} is invalid: ${reason}`, { cause: error });
    }
  }
}

function entryName(record: NamespaceRecord, key: string): string {
  return `the entry '${key}' of namespace '${record.namespace}' in ${record.where}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object from ordered members; keys such as `__proto__` or `"0"` keep their place. */
function objectText(
  members: ReadonlyMap<string, unknown>,
  valueText: (key: string, value: unknown) => string = (_key, value) => JSON.stringify(value),
): string {
  const parts: string[] = [];
  for (const [key, value] of members) parts.push(`${JSON.stringify(key)}:${valueText(key, value)}`);
  return `{${parts.join(',')}}`;
}
