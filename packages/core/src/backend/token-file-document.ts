import { InvalidArgumentError, InvalidTokenDataError, TokenFileFormatError, UnsupportedFormatVersionError } from '../errors';
import { parseBoundedJSON } from '../json/parse-bounded-json';
import { setOwnEntry } from '../objects/set-own-entry';
import type { StoredEntry } from '../storage/stored-entry';
import { toPythonJSON } from '../tokens/python-json';
import { TokenStorageData } from '../tokens/token-storage-data';
import { JSONSyntaxError, parseOrderedJSON } from './parse-ordered-json';

/** Where a {@link TokenFileDocument} comes from, and who writes it: named in its messages and its stores. */
export interface TokenFileSource {
  /** The file's path (or another name of where the text is kept), as errors' `filePath` gives it. */
  readonly filePath: string;
  /** What a store writes as `"globus-sdk.version"`: the Python SDK requires a string there and reads nothing from it. */
  readonly writer: string;
}

/** The entries of one namespace: resource server → stored entry as parsed (not validated). */
export type NamespaceEntries = ReadonlyMap<string, unknown>;

/** The result of {@link TokenFileDocument.withoutEntry}. */
export interface EntryRemoval {
  /** The content to write, or `null` when nothing needs writing. */
  file: TokenFileDocument | null;
  /** Whether the entry existed. */
  removed: boolean;
}

/**
 * A JSON object key that `JSON.parse` would move to the front of its object (a canonical array
 * index). Only such keys make the order of `JSON.parse` differ from the text's.
 */
const INTEGER_LIKE_KEY = /[{,]\s*"(?:0|[1-9][0-9]*)"\s*:/;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Encoded `"key": value` members of immutable entries and namespace maps, so that a store encodes
 * only what it changed. `toPythonJSON` escapes everything outside
 * printable ASCII, so its text is ASCII and its UTF-8 encoding is one byte per character.
 */
const memberCache = new WeakMap<object, { key: string; bytes: Uint8Array }>();
/** Token data built from parsed entries (immutable, so it is shared), or why an entry is invalid. */
const builtCache = new WeakMap<object, TokenStorageData | { problem: string }>();

/**
 * The parsed content of a JSON token file (the Python SDK's `JSONTokenStorage` file), immutable and
 * platform-neutral: the one model of the format that every backend writing it uses. Format 2.0
 * files and format 1.0 files (seen as namespace `DEFAULT` only) are read as the Python SDK's
 * `JSONTokenStorage._load` does; every change returns a new 2.0 document that keeps the file's key
 * order, its unknown top-level keys and every entry it does not touch byte for byte.
 *
 * @example
 * ```ts
 * const source = { filePath: 'tokens.json', writer: 'my-tool 1.0.0' };
 * const file = text === null ? TokenFileDocument.empty(source) : TokenFileDocument.parse(text, source);
 * const next = file.withEntries('DEFAULT', [[data.resourceServer, data]]);
 * await write(next.serialize());
 * ```
 */
export class TokenFileDocument {
  /** `"TokenFileDocument"`, also in bundles that rename the class. */
  static get name(): string {
    return 'TokenFileDocument';
  }

  private constructor(
    private readonly source: TokenFileSource,
    /** The file's `format_version`. */
    readonly formatVersion: '1.0' | '2.0',
    /** The top-level keys in file order; `data` (2.0) or `by_rs` (1.0) holds the namespace maps. */
    private readonly top: ReadonlyMap<string, unknown>,
    private readonly namespaces: ReadonlyMap<string, NamespaceEntries>,
  ) {}

  /**
   * The content of a file that does not exist yet.
   *
   * @param source - Names the file in messages, and its writer.
   * @returns An empty 2.0 file: `data`, `format_version` and `globus-sdk.version`, in that order.
   */
  static empty(source: TokenFileSource): TokenFileDocument {
    const namespaces = new Map<string, NamespaceEntries>();
    const top = new Map<string, unknown>([
      ['data', namespaces],
      ['format_version', '2.0'],
      ['globus-sdk.version', source.writer],
    ]);
    return new TokenFileDocument(source, '2.0', top, namespaces);
  }

  /** The file's path (or the name of where its text is kept), as errors' `filePath` gives it. */
  get filePath(): string {
    return this.source.filePath;
  }

  /**
   * Decodes a token file's bytes as strict UTF-8.
   *
   * @param bytes - The file's content.
   * @param filePath - The file's path, for messages.
   * @returns The text.
   * @throws {@link TokenFileFormatError} if the bytes are not UTF-8.
   */
  static decode(bytes: Uint8Array, filePath: string): string {
    try {
      return decoder.decode(bytes);
    } catch {
      throw new TokenFileFormatError(`token file '${filePath}' is not valid UTF-8 text`, { filePath });
    }
  }

  /**
   * Parses and checks a token file like the Python SDK: a JSON object with `format_version` `"2.0"`
   * (and `data`, `globus-sdk.version`) or `"1.0"` (and `by_rs`). Entries are checked when read.
   *
   * @param text - The file's text.
   * @param source - Names the file in messages, and its writer.
   * @returns The parsed file.
   * @throws {@link UnsupportedFormatVersionError} if `format_version` is missing or unknown.
   * @throws {@link TokenFileFormatError} if the text is not JSON or has the wrong shape.
   */
  static parse(text: string, source: TokenFileSource): TokenFileDocument {
    const { filePath } = source;
    const subject = `token file '${filePath}'`;
    const fail = (problem: string) => new TokenFileFormatError(`${subject} ${problem}`, { filePath });
    // For a file that nests too deep (refused before JSON.parse spends gigabytes on it) too, the
    // ordered parser, which stops at the same depth, says where.
    let root: unknown;
    try {
      root = parseBoundedJSON(text);
    } catch {
      throw fail(describeSyntaxError(text));
    }
    let toValue: (value: unknown) => unknown = (value) => value;
    if (INTEGER_LIKE_KEY.test(text)) {
      try {
        root = parseOrderedJSON(text);
      } catch (error) {
        throw fail(error instanceof JSONSyntaxError ? `cannot be read: ${error.description}` : 'cannot be read');
      }
      toValue = toPlainValue;
    }
    const rootEntries = objectEntries(root);
    if (rootEntries === null) throw fail(`does not hold a JSON object at the top level (it holds ${describeJSONValue(root)})`);
    const rootMap = new Map(rootEntries);
    const formatVersion = rootMap.get('format_version');
    if (formatVersion === undefined && isSingleTokenFile(rootMap)) {
      throw new UnsupportedFormatVersionError(
        `${subject} looks like the single-token file of SimpleJSONFileAdapter (globus_sdk_tokenstorage), not a ` +
          `token storage file: convert it with 'globus-tokens migrate ${filePath}' (or migrateToJSONTokenStorage of ` +
          '@globus-tokenstorage/legacy-file-adapter), or read it with SimpleJSONFileAdapter',
        { filePath, formatVersion: undefined },
      );
    }
    if (formatVersion !== '1.0' && formatVersion !== '2.0') {
      throw new UnsupportedFormatVersionError(
        `${subject} is in an unknown format (format_version=${describeVersion(formatVersion)}); ` +
          'supported versions are "1.0" and "2.0"',
        { filePath, formatVersion: isShownVersion(formatVersion) ? formatVersion : undefined },
      );
    }
    const namespacesKey = formatVersion === '1.0' ? 'by_rs' : 'data';
    let namespaces: Map<string, NamespaceEntries>;
    let namespacesValue: unknown;
    // Every container down to the namespaces must have its shape, so that no call reads a broken
    // file as empty and no store rewrites one: the whole file is refused, never a part of it.
    if (formatVersion === '1.0') {
      if (!rootMap.has('by_rs')) throw fail("is invalid: format 1.0 data without 'by_rs'");
      const found = namespaceFrom(rootMap.get('by_rs'), toValue);
      if (found === null) throw fail(`is malformed: 'by_rs' is ${describeJSONType(rootMap.get('by_rs'))}, not a JSON object`);
      namespacesValue = found;
      namespaces = new Map([['DEFAULT', found]]);
    } else {
      const missing = ['data', 'globus-sdk.version'].filter((key) => !rootMap.has(key));
      if (missing.length > 0) throw fail(`is invalid: missing required keys (${missing.map((key) => `'${key}'`).join(', ')})`);
      const dataEntries = objectEntries(rootMap.get('data'));
      if (dataEntries === null) throw fail(`is malformed: 'data' is ${describeJSONType(rootMap.get('data'))}, not a JSON object`);
      if (typeof rootMap.get('globus-sdk.version') !== 'string') throw fail("is invalid: 'globus-sdk.version' is not a string");
      namespaces = new Map();
      for (const [name, value] of dataEntries) {
        const found = namespaceFrom(value, toValue);
        if (found === null) throw fail(`is malformed: ${describeNamespace(name)} is ${describeJSONType(value)}, not a JSON object`);
        namespaces.set(name, found);
      }
      namespacesValue = namespaces;
    }
    const top = new Map<string, unknown>();
    for (const [key, value] of rootMap) top.set(key, key === namespacesKey ? namespacesValue : toValue(value));
    return new TokenFileDocument(source, formatVersion, top, namespaces);
  }

  /**
   * @returns The namespaces holding at least one entry, in file order (a format 1.0 file has only
   *   `DEFAULT`). A namespace emptied by removals stays in the file as `{}` but is not listed, nor is
   *   the empty name, which no storage can open.
   */
  namespaceNames(): string[] {
    const names: string[] = [];
    for (const [name, entries] of this.namespaces) if (name !== '' && entries.size > 0) names.push(name);
    return names;
  }

  /**
   * @param namespace - A namespace.
   * @returns Its entries, or `undefined` if the file has no such namespace.
   */
  entries(namespace: string): NamespaceEntries | undefined {
    return this.namespaces.get(namespace);
  }

  /**
   * @param namespace - A namespace.
   * @param key - A resource server (the mapping key).
   * @returns The entry as token data, or `null` if there is none.
   * @throws {@link InvalidTokenDataError} naming the file, namespace and resource server if the entry is invalid.
   * @throws {@link TokenFileFormatError} if the namespace is not a JSON object.
   */
  tokenData(namespace: string, key: string): TokenStorageData | null {
    const entries = this.entries(namespace);
    return entries?.has(key) ? this.build(namespace, key, entries.get(key)) : null;
  }

  /**
   * @param namespace - A namespace.
   * @returns A new object mapping each resource server of the namespace to its token data.
   * @throws {@link InvalidTokenDataError} for the first invalid entry.
   * @throws {@link TokenFileFormatError} if the namespace is not a JSON object.
   */
  allTokenData(namespace: string): Record<string, TokenStorageData> {
    const result: Record<string, TokenStorageData> = {};
    for (const [key, raw] of this.entries(namespace) ?? []) {
      setOwnEntry(result, key, this.build(namespace, key, raw));
    }
    return result;
  }

  /**
   * Every entry of the namespaces {@link TokenFileDocument.namespaceNames} lists, in file order, each
   * checked on its own: an invalid one comes with its error.
   *
   * @returns The entries, one at a time.
   */
  *storedEntries(): Generator<StoredEntry> {
    for (const namespace of this.namespaceNames()) {
      for (const [resourceServer, raw] of this.entries(namespace) ?? []) {
        try {
          yield { namespace, resourceServer, data: this.build(namespace, resourceServer, raw), error: null };
        } catch (error) {
          if (!InvalidTokenDataError.isInstance(error)) throw error;
          yield { namespace, resourceServer, data: null, error };
        }
      }
    }
  }

  /**
   * The file after a store, as the Python SDK writes it: the namespace is created if missing (even
   * for no entries), each entry replaces the whole entry of its key, keeping its place, and
   * `globus-sdk.version` names this writer. A 1.0 file becomes 2.0 with its entries unchanged.
   *
   * @param namespace - The namespace written.
   * @param entries - The entries, by mapping key.
   * @returns The new content.
   */
  withEntries(namespace: string, entries: ReadonlyArray<readonly [string, TokenStorageData]>): TokenFileDocument {
    const base = this.migrated();
    const updated = new Map(base.entries(namespace));
    for (const [key, data] of entries) {
      const dict = data.toDict();
      builtCache.set(dict, data);
      updated.set(key, dict);
    }
    return base.withNamespace(namespace, updated, true);
  }

  /**
   * The file after a removal. A 2.0 file that lacks the entry needs no write; a 1.0 file is always
   * migrated, as the Python SDK does on every removal. `globus-sdk.version` is kept, as in Python.
   *
   * @param namespace - The namespace.
   * @param key - The resource server (mapping key) to remove.
   * @returns The new content (or `null`) and whether the entry existed.
   */
  withoutEntry(namespace: string, key: string): EntryRemoval {
    const current = this.entries(namespace);
    const removed = current?.has(key) ?? false;
    if (!removed) return { file: this.formatVersion === '1.0' ? this.migrated() : null, removed };
    const updated = new Map(current);
    updated.delete(key);
    return { file: this.migrated().withNamespace(namespace, updated, false), removed };
  }

  /**
   * @returns The file's bytes as Python's `json.dump` writes them (see `toPythonJSON`): one line,
   *   `", "` and `": "` separators, non-ASCII escaped, keys in the file's order. They come as the
   *   chunks to write one after the other: most are cached encodings of unchanged runs of
   *   namespaces, and joining them would cost a fresh copy of the whole file on every store.
   * @throws {@link TokenFileFormatError} if the file holds a number that JSON cannot carry back (one
   *   beyond ±1.8e308 reads as infinity; Python would write `Infinity`, which is not JSON).
   */
  serialize(): Uint8Array[] {
    const chunks: Uint8Array[] = [];
    try {
      pushTop(this.top, chunks);
    } catch (error) {
      if (!InvalidArgumentError.isInstance(error)) throw error;
      throw new TokenFileFormatError(
        `token file '${this.filePath}' cannot be rewritten: it holds a number too large for JSON to write back (${error.message}); ` +
          'it was left unchanged, correct that number by hand',
        { filePath: this.filePath },
      );
    }
    return chunks;
  }

  private withNamespace(namespace: string, entries: NamespaceEntries, isStore: boolean): TokenFileDocument {
    const namespaces = new Map(this.namespaces).set(namespace, entries);
    const top = new Map(this.top).set('data', namespaces);
    if (isStore) top.set('globus-sdk.version', this.source.writer);
    return new TokenFileDocument(this.source, '2.0', top, namespaces);
  }

  /** Python's in-memory upgrade of a 1.0 file; unknown top-level keys are kept after the three 2.0 keys. */
  private migrated(): TokenFileDocument {
    if (this.formatVersion === '2.0') return this;
    const top = new Map<string, unknown>([
      ['data', this.namespaces],
      ['format_version', '2.0'],
      ['globus-sdk.version', this.source.writer],
    ]);
    for (const [key, value] of this.top) if (key !== 'by_rs' && !top.has(key)) top.set(key, value);
    return new TokenFileDocument(this.source, '2.0', top, this.namespaces);
  }

  private build(namespace: string, key: string, raw: unknown): TokenStorageData {
    const cacheable = typeof raw === 'object' && raw !== null;
    let built = cacheable ? builtCache.get(raw) : undefined;
    if (built === undefined) {
      try {
        built = TokenStorageData.fromDict(raw);
      } catch (error) {
        // fromDict's messages name fields and types only, never values.
        built = { problem: (error as Error).message };
      }
      if (cacheable) builtCache.set(raw, built);
    }
    if (TokenStorageData.isInstance(built)) return built;
    throw new InvalidTokenDataError(
      `the token data for resource server '${key}' in namespace '${namespace}' of '${this.filePath}' is invalid: ${built.problem}`,
    );
  }
}

/** The key-value pairs of a JSON object (plain or ordered), or `null` for any other value. */
function objectEntries(value: unknown): Array<[string, unknown]> | null {
  if (value instanceof Map) return [...(value as Map<string, unknown>)];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return Object.entries(value);
}

/** A namespace as an ordered map of entries, or `null` if it is not a JSON object. */
function namespaceFrom(value: unknown, toValue: (value: unknown) => unknown): Map<string, unknown> | null {
  const entries = objectEntries(value);
  return entries === null ? null : new Map(entries.map(([key, entry]) => [key, toValue(entry)]));
}

/** What a JSON value is, for messages that must not show it (it may be a token). */
function describeJSONType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return 'an object';
}

/** Names a namespace read from the file, unless the name is too long or odd to be shown safely. */
function describeNamespace(name: string): string {
  return name.length <= 64 && /^[\w .@:+-]*$/.test(name) ? `namespace '${name}'` : 'a namespace';
}

/**
 * Turns the ordered parse of a value into plain objects (below the namespace level the order of
 * integer-like keys cannot be kept: token data and `toPythonJSON` use plain objects).
 */
function toPlainValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlainValue);
  if (!(value instanceof Map)) return value;
  const object: Record<string, unknown> = {};
  for (const [key, item] of value as Map<string, unknown>) {
    setOwnEntry(object, key, toPlainValue(item));
  }
  return object;
}

const asciiEncoder = new TextEncoder();
const OPEN = asciiEncoder.encode('{');
const CLOSE = asciiEncoder.encode('}');
const SEPARATOR = asciiEncoder.encode(', ');

/**
 * Namespaces per encoded run. The namespaces of a file are encoded in runs of consecutive members,
 * each kept while its namespaces are unchanged: a store re-encodes only the run holding the
 * namespace it changed, and a file of many namespaces is written and compared in few pieces.
 */
const NAMESPACES_PER_RUN = 64;

/** An encoded run of namespace members, valid while the run holds the same names and values. */
interface EncodedRun {
  names: readonly string[];
  values: readonly unknown[];
  bytes: Uint8Array;
}

/** Encoded runs, keyed on the value of their first namespace. */
const runCache = new WeakMap<object, EncodedRun>();

/**
 * Appends the encoding of the top-level object, whose namespaces map (`data`, the only map at this
 * level) is encoded in runs; every other member, and each namespace and entry, is encoded once and
 * reused while it is unchanged.
 */
function pushTop(top: ReadonlyMap<string, unknown>, chunks: Uint8Array[]): void {
  chunks.push(OPEN);
  let first = true;
  for (const [key, value] of top) {
    if (!first) chunks.push(SEPARATOR);
    first = false;
    if (value instanceof Map) {
      chunks.push(asciiEncoder.encode(`${toPythonJSON(key)}: `), OPEN);
      pushNamespaces(value as ReadonlyMap<string, unknown>, chunks);
      chunks.push(CLOSE);
    } else {
      chunks.push(encodedMember(key, value));
    }
  }
  chunks.push(CLOSE);
}

function pushNamespaces(namespaces: ReadonlyMap<string, unknown>, chunks: Uint8Array[]): void {
  const names = [...namespaces.keys()];
  const values = [...namespaces.values()];
  for (let start = 0; start < names.length; start += NAMESPACES_PER_RUN) {
    if (start > 0) chunks.push(SEPARATOR);
    chunks.push(encodedRun(names, values, start, Math.min(start + NAMESPACES_PER_RUN, names.length)));
  }
}

/** The members `start` to `end` (exclusive) joined by separators, from the cache if they are unchanged. */
function encodedRun(names: readonly string[], values: readonly unknown[], start: number, end: number): Uint8Array {
  const first = values[start];
  const cacheable = typeof first === 'object' && first !== null;
  const cached = cacheable ? runCache.get(first) : undefined;
  if (cached !== undefined && cached.names.length === end - start) {
    let index = start;
    while (index < end && cached.names[index - start] === names[index] && cached.values[index - start] === values[index]) index += 1;
    if (index === end) return cached.bytes;
  }
  const parts: Uint8Array[] = [];
  for (let index = start; index < end; index += 1) {
    if (index > start) parts.push(SEPARATOR);
    parts.push(encodedMember(names[index] as string, values[index]));
  }
  const bytes = concatBytes(parts);
  if (cacheable) runCache.set(first, { names: names.slice(start, end), values: values.slice(start, end), bytes });
  return bytes;
}

/** The encoding of `"key": value`; plain values are parsed JSON, maps (namespaces) hold entries. */
function encodedMember(key: string, value: unknown): Uint8Array {
  const cacheable = typeof value === 'object' && value !== null;
  const cached = cacheable ? memberCache.get(value) : undefined;
  if (cached?.key === key) return cached.bytes;
  const head = `${toPythonJSON(key)}: `;
  let bytes: Uint8Array;
  if (value instanceof Map) {
    const chunks: Uint8Array[] = [asciiEncoder.encode(head), OPEN];
    let first = true;
    for (const [entryKey, entry] of value as ReadonlyMap<string, unknown>) {
      if (!first) chunks.push(SEPARATOR);
      first = false;
      chunks.push(encodedMember(entryKey, entry));
    }
    chunks.push(CLOSE);
    bytes = concatBytes(chunks);
  } else {
    bytes = asciiEncoder.encode(head + toPythonJSON(value));
  }
  if (cacheable) memberCache.set(value, { key, bytes });
  return bytes;
}

/** The chunks' bytes, one after the other, in one array. */
function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** Says where a text stops being JSON, Python-style, without quoting it (it may hold tokens). */
function describeSyntaxError(text: string): string {
  if (text.trim() === '') return 'is empty or blank (not valid JSON)';
  try {
    parseOrderedJSON(text);
  } catch (error) {
    if (error instanceof JSONSyntaxError) {
      const before = text.slice(0, error.offset);
      const line = before.split('\n').length;
      const column = error.offset - before.lastIndexOf('\n');
      return `is not valid JSON: ${error.description} at line ${line} column ${column} (char ${error.offset})`;
    }
  }
  return 'is not valid JSON';
}

/**
 * Whether the top level of a file is the flat token dict of the legacy contrib package's
 * `SimpleJSONFileAdapter`: its version key, or the keys of one token.
 */
function isSingleTokenFile(root: ReadonlyMap<string, unknown>): boolean {
  return (
    root.has('globus-sdk-tokenstorage.version') ||
    (root.has('access_token') && root.has('resource_server') && root.has('expires_at_seconds'))
  );
}

/** The kind of a parsed JSON value, for a message (never the value: the file may hold tokens). */
function describeJSONValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  return typeof value === 'boolean' ? 'a boolean' : 'a value of another kind';
}

/** Python prints the value; only short, plain ones are shown here, since the file is untrusted. */
function isShownVersion(value: unknown): value is string | number | boolean | null {
  if (typeof value === 'string') return value.length <= 32 && /^[\w.+-]*$/.test(value);
  return value === null || typeof value === 'number' || typeof value === 'boolean';
}

function describeVersion(value: unknown): string {
  if (value === undefined) return 'missing';
  if (isShownVersion(value)) return typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string') return 'a string';
  return Array.isArray(value) ? 'an array' : 'an object';
}
