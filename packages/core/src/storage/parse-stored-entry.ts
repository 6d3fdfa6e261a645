import { InvalidTokenDataError, TokenStorageError } from '../errors';
import { MAX_JSON_DEPTH } from '../json/json-nesting';
import { JSONNestingError, parseBoundedJSON } from '../json/parse-bounded-json';
import { TokenStorageData } from '../tokens/token-storage-data';

/**
 * Turns the stored text of one entry (a row's JSON) into token data. The JSON parser's message is
 * never used, as it may quote a token.
 *
 * @param text - The stored text, as the driver gave it back (anything but a string is refused).
 * @param where - Names the entry in messages (`the token data of 'rs' in namespace 'ns' of …`);
 *   called only when a message is made.
 * @returns The token data.
 * @throws {@link InvalidTokenDataError} if the text is not a string, nests deeper than
 *   {@link MAX_JSON_DEPTH} levels, is not JSON, or is not valid token data.
 */
export function parseStoredEntry(text: unknown, where: () => string): TokenStorageData {
  if (typeof text !== 'string') throw new InvalidTokenDataError(`${where()} is not text`);
  let dict: unknown;
  try {
    dict = parseBoundedJSON(text);
  } catch (error) {
    const problem =
      error instanceof JSONNestingError ? `nests deeper than ${MAX_JSON_DEPTH} levels` : `is not valid JSON (${text.length} characters)`;
    throw new InvalidTokenDataError(`${where()} ${problem}`);
  }
  try {
    return TokenStorageData.fromDict(dict);
  } catch (error) {
    if (!TokenStorageError.isInstance(error)) throw error;
    throw new InvalidTokenDataError(`${where()} is invalid: ${error.message}`, { cause: error });
  }
}
