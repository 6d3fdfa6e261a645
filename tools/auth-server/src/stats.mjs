// The counters tests read: token-endpoint requests by grant type, and protected-API requests.

/** @returns {import('./types').AuthServerStats} Counters at zero. */
export function newStats() {
  return { tokenRequests: { total: 0, byGrantType: {} }, apiRequests: { total: 0, unauthorized: 0 } };
}

/**
 * Counts one token-endpoint request.
 *
 * @param {import('./types').AuthServerStats} stats
 * @param {string} grantType
 */
export function countTokenRequest(stats, grantType) {
  stats.tokenRequests.total += 1;
  stats.tokenRequests.byGrantType[grantType] = (stats.tokenRequests.byGrantType[grantType] ?? 0) + 1;
}
