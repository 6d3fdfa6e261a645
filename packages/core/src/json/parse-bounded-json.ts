import { findDeepJSONNesting, MAX_JSON_DEPTH } from './json-nesting';

/** A JSON text that nests deeper than {@link MAX_JSON_DEPTH}. Its message never quotes the text. */
export class JSONNestingError extends SyntaxError {
  /**
   * @param offset - Index of the first bracket nested too deep (UTF-16 code units).
   */
  constructor(readonly offset: number) {
    super(`values nest deeper than ${MAX_JSON_DEPTH} levels at character ${offset}`);
    this.name = 'JSONNestingError';
  }
}

/**
 * `JSON.parse` for a text that may be hostile (a file, a database row, a Web Storage value): a text
 * that nests deeper than {@link MAX_JSON_DEPTH} is refused before `JSON.parse` spends gigabytes on it.
 *
 * @param text - The JSON text.
 * @returns The parsed value.
 * @throws {@link JSONNestingError} if the text nests too deep (its message is safe to show).
 * @throws SyntaxError from `JSON.parse` for anything else that is not JSON: its message may quote
 *   the text, a token among it, so never show it.
 */
export function parseBoundedJSON(text: string): unknown {
  const tooDeep = findDeepJSONNesting(text);
  if (tooDeep >= 0) throw new JSONNestingError(tooDeep);
  return JSON.parse(text) as unknown;
}
