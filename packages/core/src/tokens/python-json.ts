import { InvalidArgumentError } from '../errors';
import { MAX_JSON_DEPTH } from '../json/json-nesting';

/**
 * Serialises a JSON value exactly as Python's `json.dumps(value)` does with default settings, so
 * files we write are byte-identical to the Python SDK's: one line, `", "` and `": "` separators,
 * non-ASCII and control characters escaped as lowercase `\uXXXX`, keys in insertion order, floats
 * in Python's `repr` form (`1e-05`, `1e+16`).
 *
 * @param value - A JSON-compatible value.
 * @returns The JSON text.
 * @throws {@link InvalidArgumentError} for a value JSON cannot hold or that nests too deeply.
 */
export function toPythonJSON(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, 0);
  return parts.join('');
}

function write(value: unknown, parts: string[], depth: number): void {
  if (value === null) {
    parts.push('null');
  } else if (typeof value === 'string') {
    parts.push(quote(value));
  } else if (typeof value === 'number') {
    parts.push(formatNumber(value));
  } else if (typeof value === 'boolean') {
    parts.push(value ? 'true' : 'false');
  } else if (typeof value === 'object') {
    // Deeper values are refused instead of overflowing the stack.
    if (depth >= MAX_JSON_DEPTH) throw new InvalidArgumentError(`cannot serialise a value nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (Array.isArray(value)) {
      parts.push('[');
      value.forEach((item, index) => {
        if (index > 0) parts.push(', ');
        write(item, parts, depth + 1);
      });
      parts.push(']');
    } else {
      parts.push('{');
      let first = true;
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue;
        if (!first) parts.push(', ');
        first = false;
        parts.push(quote(key), ': ');
        write(item, parts, depth + 1);
      }
      parts.push('}');
    }
  } else {
    throw new InvalidArgumentError(`cannot serialise a ${typeof value} as JSON`);
  }
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Python's `ensure_ascii` quoting: everything outside printable ASCII becomes `\uXXXX`. */
function quote(text: string): string {
  return `"${text.replace(/[\\"]|[^\x20-\x7e]/g, (char) => SHORT_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new InvalidArgumentError('cannot serialise NaN or Infinity as JSON');
  if (Number.isInteger(value)) return String(value);
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) return String(value);
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}
