import type { TokenStorageData } from '@globus-tokenstorage/core';
import { setOwnEntry } from '@globus-tokenstorage/core/backend';

/**
 * The key, in a stored token entry, of the "refresh in flight" marker that `StorageBackedAuthorizer`
 * writes before it sends a refresh. On disk it sits beside the token fields, as an unknown key that
 * every backend keeps and the Python SDK reads into `extra` (and drops when it writes the entry):
 * `"globus_tokenstorage_refresh_lease": {"holder": "<random id>", "expires_at_seconds": 1700000120}`.
 * `storeTokenResponse` writes entries without it, so storing the refreshed token removes it.
 */
export const REFRESH_LEASE_KEY = 'globus_tokenstorage_refresh_lease';

/**
 * The longest lease a marker may claim, in seconds. A marker claiming a later end (a wrong clock, a
 * corrupted entry) is ignored rather than obeyed, so no marker can block refreshes for longer.
 */
export const MAX_REFRESH_LEASE_SECONDS = 3600;

/** A refresh in flight: who sent it, and until when (epoch seconds) others wait for its result. */
export interface RefreshLease {
  readonly holder: string;
  readonly expiresAtSeconds: number;
}

/**
 * The live marker of an entry, if it has one.
 *
 * @param entry - The stored entry.
 * @param now - The current time in epoch seconds.
 * @returns The lease, or `null` when there is none, it has expired, it claims more than
 *   {@link MAX_REFRESH_LEASE_SECONDS}, or it is not a well-formed marker.
 */
export function liveLease(entry: TokenStorageData, now: number): RefreshLease | null {
  const lease = leaseOf(entry);
  if (lease === null || !(now < lease.expiresAtSeconds) || lease.expiresAtSeconds - now > MAX_REFRESH_LEASE_SECONDS) return null;
  return lease;
}

/**
 * @param entry - The stored entry.
 * @param holder - A holder's id.
 * @returns Whether the entry carries a marker of that holder, live or not.
 */
export function isLeasedBy(entry: TokenStorageData, holder: string): boolean {
  return leaseOf(entry)?.holder === holder;
}

/**
 * @param entry - The stored entry.
 * @param lease - The lease to record.
 * @returns The entry with the marker of `lease` (any other marker replaced).
 */
export function withLease(entry: TokenStorageData, lease: RefreshLease): TokenStorageData {
  const extra: Record<string, unknown> = { ...entry.extra };
  setOwnEntry(extra, REFRESH_LEASE_KEY, { holder: lease.holder, expires_at_seconds: lease.expiresAtSeconds });
  return entry.with({ extra });
}

/**
 * @param entry - The stored entry.
 * @returns The entry without a marker.
 */
export function withoutLease(entry: TokenStorageData): TokenStorageData {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry.extra)) {
    if (key !== REFRESH_LEASE_KEY) setOwnEntry(extra, key, value);
  }
  return entry.with({ extra });
}

/** @returns A random holder id (16 hex digits). */
export function newLeaseHolder(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function leaseOf(entry: TokenStorageData): RefreshLease | null {
  const marker = Object.hasOwn(entry.extra, REFRESH_LEASE_KEY) ? entry.extra[REFRESH_LEASE_KEY] : undefined;
  if (typeof marker !== 'object' || marker === null || Array.isArray(marker)) return null;
  const { holder, expires_at_seconds: expiresAtSeconds } = marker as Record<string, unknown>;
  if (typeof holder !== 'string' || typeof expiresAtSeconds !== 'number' || !Number.isFinite(expiresAtSeconds)) return null;
  return { holder, expiresAtSeconds };
}
