import { createHash } from 'node:crypto';
import { isEncryptedValue } from '@globus-tokenstorage/encrypted';

/**
 * A short, stable fingerprint of a token, so two tokens can be told apart without showing them; an
 * encrypted token (`@globus-tokenstorage/encrypted`) shows as `encrypted (key id …)`.
 */
export function fingerprint(token: string | null): string | null {
  if (token === null) return null;
  if (isEncryptedValue(token)) {
    const keyId = token.split(':')[2] ?? '';
    return `encrypted (key id ${/^[A-Za-z0-9._~-]{1,64}$/.test(keyId) ? keyId : '?'})`;
  }
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}

/** Beyond this distance from now, an expiry is shown as a date: "in 2360d 6h" says less than "2033-05-01 14:02 UTC". */
const RELATIVE_LIMIT_SECONDS = 7 * 86400;

/**
 * When a token expires, for people: "in 1d 2h", "in 5m", "expired 3h 4m ago" within a week of now;
 * "2033-05-01 14:02 UTC" or "expired 2020-01-02 03:04 UTC" further away.
 */
export function describeExpiry(expiresAtSeconds: number, nowSeconds: number): string {
  const delta = expiresAtSeconds - nowSeconds;
  if (Math.abs(delta) >= RELATIVE_LIMIT_SECONDS) {
    const date = utcMinute(expiresAtSeconds);
    return delta >= 0 ? date : `expired ${date}`;
  }
  const text = duration(Math.abs(delta));
  return delta >= 0 ? `in ${text}` : `expired ${text} ago`;
}

/** "2033-05-01 14:02 UTC"; epoch seconds past the range of a `Date`. */
function utcMinute(epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  if (Number.isNaN(date.getTime())) return `${epochSeconds} (epoch seconds)`;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function duration(seconds: number): string {
  const units: Array<[string, number]> = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = Math.floor(seconds);
  for (const [unit, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.length > 0 ? parts.join(' ') : '0s';
}

/** Lines per print: pieces small enough for a store of any size, few enough writes. */
const LINES_PER_PRINT = 1000;

/**
 * Prints lines a batch at a time, so that a long output is never held as one string.
 *
 * @param context - Where to print (`print` adds the line break after each batch).
 * @param lines - The lines, made as they are printed.
 */
export function printLines(context: { print: (text: string) => void }, lines: Iterable<string>): void {
  let batch: string[] = [];
  for (const line of lines) {
    batch.push(line);
    if (batch.length === LINES_PER_PRINT) {
      context.print(batch.join('\n'));
      batch = [];
    }
  }
  if (batch.length > 0) context.print(batch.join('\n'));
}

/**
 * Renders rows as an aligned text table with a header line.
 *
 * @param headers - The column names.
 * @param rows - Makes the rows; called twice (for the column widths, then for the lines), so
 *   that no copy of every row is kept.
 * @returns The table's lines, made one at a time.
 */
export function* tableLines(headers: string[], rows: () => Iterable<string[]>): Generator<string> {
  const widths = headers.map((header) => header.length);
  for (const row of rows()) row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  yield line(headers);
  yield line(widths.map((width) => '-'.repeat(width)));
  for (const row of rows()) yield line(row);
}
