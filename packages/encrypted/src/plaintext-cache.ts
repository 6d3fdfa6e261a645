import type { TokenStorageData } from '@globus-tokenstorage/core';
import type { ValuePlace } from './value-cipher';

/** How many decrypted values one storage keeps. */
const LIMIT = 4096;

/**
 * Decrypted values keyed by their place and ciphertext, so reading an unchanged entry costs no
 * decryption. The place is part of the key: a ciphertext copied to another entry must still fail
 * to decrypt, not be answered from here. Oldest entries go first past {@link LIMIT}.
 */
export class PlaintextCache {
  private readonly values = new Map<string, string>();

  get(place: ValuePlace, ciphertext: string): string | undefined {
    return this.values.get(cacheKey(place, ciphertext));
  }

  set(place: ValuePlace, ciphertext: string, plaintext: string): void {
    if (this.values.size >= LIMIT) this.values.delete(this.values.keys().next().value as string);
    this.values.set(cacheKey(place, ciphertext), plaintext);
  }
}

function cacheKey(place: ValuePlace, ciphertext: string): string {
  return `${place.namespace}\u0000${place.resourceServer}\u0000${place.field}\u0000${ciphertext}`;
}

/**
 * The last decrypted entry of each resource server, answered again while the stored entry is
 * unchanged: the same object (JSON, SQLite) or an equal one (memory returns fresh copies), so an
 * unchanged entry costs neither a decryption nor a new entry.
 */
export class DecryptedEntryCache {
  private readonly entries = new Map<string, { stored: TokenStorageData; data: TokenStorageData }>();

  get(resourceServer: string, stored: TokenStorageData): TokenStorageData | undefined {
    const known = this.entries.get(resourceServer);
    return known && sameEntry(known.stored, stored) ? known.data : undefined;
  }

  set(resourceServer: string, stored: TokenStorageData, data: TokenStorageData): void {
    if (this.entries.size >= LIMIT && !this.entries.has(resourceServer)) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(resourceServer, { stored, data });
  }
}

function sameEntry(a: TokenStorageData, b: TokenStorageData): boolean {
  if (a === b) return true;
  return (
    a.accessToken === b.accessToken &&
    a.refreshToken === b.refreshToken &&
    a.expiresAtSeconds === b.expiresAtSeconds &&
    a.scope === b.scope &&
    a.identityId === b.identityId &&
    a.tokenType === b.tokenType &&
    a.resourceServer === b.resourceServer &&
    sameExtra(a.extra, b.extra)
  );
}

/** Extras are deeply frozen JSON values: equal when identical, or both empty, or equal as JSON. */
function sameExtra(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  if (a === b) return true;
  const keysA = Object.keys(a);
  if (keysA.length === 0) return Object.keys(b).length === 0;
  return JSON.stringify(a) === JSON.stringify(b);
}
