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
