import type { TokenStorageData } from '../tokens/token-storage-data';
import { parseStoredEntry } from './parse-stored-entry';

/** Entries a cache keeps by default. */
const DEFAULT_CAPACITY = 256;

/**
 * The parsed entries of one storage's namespace, for a backend that reads stored text (a SQLite or
 * PostgreSQL row) on every call. Every read still queries the store (another process may have
 * changed the entry), but an entry whose text is unchanged since the last read reuses that read's
 * result: `TokenStorageData` is deeply immutable, and parsing and validating it costs more than the
 * query itself. Past its capacity, the entry cached first is dropped.
 */
export class ParsedEntryCache {
  readonly #entries = new Map<string, { text: string; data: TokenStorageData }>();
  readonly #capacity: number;

  /**
   * @param capacity - How many entries are kept. @default 256
   */
  constructor(capacity = DEFAULT_CAPACITY) {
    this.#capacity = capacity;
  }

  /**
   * The token data of an entry's stored text, parsed by {@link parseStoredEntry} unless this text
   * was the last one parsed for `resourceServer`.
   *
   * @param resourceServer - The key the entry is stored under.
   * @param text - Its stored text, as the driver gave it back.
   * @param where - Names the entry in messages; called only when a message is made.
   * @returns The token data.
   * @throws {@link InvalidTokenDataError} if the text is not valid token data (nothing is cached then).
   */
  parse(resourceServer: string, text: unknown, where: () => string): TokenStorageData {
    const cached = this.#entries.get(resourceServer);
    if (cached !== undefined && cached.text === text) return cached.data;
    const data = parseStoredEntry(text, where);
    if (this.#entries.size >= this.#capacity && cached === undefined) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(resourceServer, { text: text as string, data });
    return data;
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries.clear();
  }
}
