import { UnsupportedFormatVersionError, type TokenStorageData } from '@globus-tokenstorage/core';
import { TokenFileDocument, type TokenFileSource } from '@globus-tokenstorage/core/backend';
import { version } from '../package.json';

/** What we write as `"globus-sdk.version"` (the Python SDK requires a string there and reads nothing from it). */
export const WRITER_VERSION = `@globus-tokenstorage/web-storage ${version}`;

/** The top-level key holding the record's revision (a JSON token file reader ignores it). */
const REVISION_KEY = 'web-storage.revision';

/**
 * The text stored under one namespace's key: a JSON token file in format 2.0 (the JSON backend's
 * and the Python SDK's, see core's `TokenFileDocument`) holding that namespace, plus a revision
 * number that grows with every write, so that a tab can tell whether its view of the key is as new
 * as the last write of any tab. Immutable; every change returns a new record that keeps unknown
 * keys and other namespaces.
 */
export class NamespaceRecord {
  private constructor(
    readonly namespace: string,
    /** 0 for a key that does not exist (or was written by someone else without a revision). */
    readonly revision: number,
    private readonly file: TokenFileDocument,
  ) {}

  /**
   * Parses the text of a key (or `null` for a missing key) as the JSON backend reads a file.
   *
   * @param text - The key's value.
   * @param where - Names the key in messages, e.g. `localStorage["globus-tokenstorage:DEFAULT"]`.
   * @param namespace - The namespace the key holds.
   * @throws {@link UnsupportedFormatVersionError} if `format_version` is missing or not `"2.0"`.
   * @throws {@link TokenFileFormatError} if the text is not JSON or has the wrong shape.
   */
  static parse(text: string | null, where: string, namespace: string): NamespaceRecord {
    const source: TokenFileSource = {
      filePath: where,
      description: where,
      describeEntry: (entryNamespace, key) => `the entry '${key}' of namespace '${entryNamespace}' in ${where}`,
      writer: WRITER_VERSION,
    };
    if (text === null) return new NamespaceRecord(namespace, 0, TokenFileDocument.empty(source));
    const file = TokenFileDocument.parse(text, source);
    if (file.formatVersion !== '2.0') {
      throw new UnsupportedFormatVersionError(`${where} is in format ${file.formatVersion}, not 2.0; it is left unchanged`, { filePath: where, formatVersion: file.formatVersion });
    }
    const revision = file.member(REVISION_KEY);
    return new NamespaceRecord(namespace, Number.isSafeInteger(revision) && (revision as number) > 0 ? (revision as number) : 0, file);
  }

  /** The number of entries of the namespace. */
  get size(): number {
    return this.file.entries(this.namespace)?.size ?? 0;
  }

  /** @returns Whether the namespace has an entry under `key`. */
  has(key: string): boolean {
    return this.file.entries(this.namespace)?.has(key) ?? false;
  }

  /**
   * @returns The entry as token data, or `null`.
   * @throws {@link InvalidTokenDataError} naming the key, namespace and resource server if the entry is invalid.
   */
  tokenData(key: string): TokenStorageData | null {
    return this.file.tokenData(this.namespace, key);
  }

  /**
   * @returns A new object mapping each resource server of the namespace to its token data.
   * @throws {@link InvalidTokenDataError} for the first invalid entry.
   */
  allTokenData(): Record<string, TokenStorageData> {
    return this.file.allTokenData(this.namespace);
  }

  /** @returns A record with these entries added or replaced, at `revision`. */
  withEntries(changes: ReadonlyArray<readonly [string, TokenStorageData]>, revision: number): NamespaceRecord {
    return this.at(this.file.withEntries(this.namespace, changes), revision);
  }

  /** @returns A record without the entry `key`, at `revision` (the namespace stays, empty if it was the last). */
  without(key: string, revision: number): NamespaceRecord {
    return this.at(this.file.withoutEntry(this.namespace, key).file ?? this.file, revision);
  }

  /** The text to store: the JSON backend's bytes for the same content. */
  serialize(): string {
    return this.file.serializeText();
  }

  private at(file: TokenFileDocument, revision: number): NamespaceRecord {
    return new NamespaceRecord(this.namespace, revision, file.withMember(REVISION_KEY, revision));
  }
}
