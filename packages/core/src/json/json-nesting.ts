/**
 * Deepest nesting of arrays and objects a token file or stored entry may have, read or written
 * (Python's `json` module gives up near 1000).
 */
export const MAX_JSON_DEPTH = 512;

/**
 * Finds where a JSON text nests arrays and objects deeper than {@link MAX_JSON_DEPTH}; call it before
 * `JSON.parse` on a file that may be hostile. V8 parses any depth without a stack overflow, but
 * allocates about 50 bytes per open level: 50 MB of `[` cost it 2.7 GB and seconds before it fails.
 * Linear and allocation-free (about a third of the time of `JSON.parse`); brackets inside strings are skipped.
 *
 * @param text - The JSON text.
 * @returns The offset of the first bracket nested too deep, or -1.
 */
export function findDeepJSONNesting(text: string): number {
  let depth = 0;
  for (let at = 0; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (code === 0x22) {
      for (at += 1; at < text.length; at += 1) {
        const inner = text.charCodeAt(at);
        if (inner === 0x5c) at += 1;
        else if (inner === 0x22) break;
      }
    } else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > MAX_JSON_DEPTH) return at;
    } else if ((code === 0x5d || code === 0x7d) && depth > 0) {
      depth -= 1;
    }
  }
  return -1;
}
