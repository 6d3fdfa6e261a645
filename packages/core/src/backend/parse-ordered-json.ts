import { MAX_JSON_DEPTH } from '../json/json-nesting';

/** A JSON value whose objects are `Map`s, which keep the text's key order for every key. */
export type OrderedJSONValue = null | boolean | number | string | OrderedJSONValue[] | Map<string, OrderedJSONValue>;

/** Where and why a text is not JSON. Its message describes the problem and never quotes the text. */
export class JSONSyntaxError extends Error {
  /**
   * @param offset - Index of the offending character (UTF-16 code units).
   * @param description - What was expected or found, e.g. `expected a value`.
   */
  constructor(
    readonly offset: number,
    readonly description: string,
  ) {
    super(description);
    this.name = 'JSONSyntaxError';
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/**
 * Parses strict JSON (RFC 8259, as `JSON.parse` accepts it) into values whose objects are `Map`s.
 * `JSON.parse` lists integer-like keys (`"0"`, `"42"`) first whatever their place in the text; this
 * parser keeps the text's order, as Python's `json.load` does, so a rewrite keeps the file's order.
 * A repeated key keeps its first place and takes the last value (like both of them).
 *
 * @param text - The JSON text.
 * @returns The value.
 * @throws {@link JSONSyntaxError} with the offset of the first problem.
 */
export function parseOrderedJSON(text: string): OrderedJSONValue {
  return new OrderedJSONParser(text).parseDocument();
}

class OrderedJSONParser {
  private index = 0;

  constructor(private readonly text: string) {}

  parseDocument(): OrderedJSONValue {
    if (this.text.charCodeAt(0) === 0xfeff) this.fail('the text starts with a byte order mark (JSON must be plain UTF-8)');
    this.skipWhitespace();
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.index < this.text.length) this.fail('unexpected data after the JSON value');
    return value;
  }

  private parseValue(depth: number): OrderedJSONValue {
    const char = this.text[this.index];
    switch (char) {
      case '{':
        return this.parseObject(depth);
      case '[':
        return this.parseArray(depth);
      case '"':
        return this.parseString();
      case 't':
        return this.parseLiteral('true', true);
      case 'f':
        return this.parseLiteral('false', false);
      case 'n':
        return this.parseLiteral('null', null);
      case undefined:
        return this.fail('unexpected end of the text, expected a value');
      default:
        if (char === '-' || (char >= '0' && char <= '9')) return this.parseNumber();
        return this.fail('expected a value');
    }
  }

  private parseObject(depth: number): Map<string, OrderedJSONValue> {
    this.enter(depth);
    const object = new Map<string, OrderedJSONValue>();
    this.skipWhitespace();
    if (this.text[this.index] === '}') {
      this.index += 1;
      return object;
    }
    for (;;) {
      if (this.text[this.index] !== '"') this.fail('expected a property name in double quotes');
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.index] !== ':') this.fail("expected ':' after a property name");
      this.index += 1;
      this.skipWhitespace();
      object.set(key, this.parseValue(depth + 1));
      this.skipWhitespace();
      const next = this.text[this.index];
      this.index += 1;
      if (next === '}') return object;
      if (next !== ',') this.fail("expected ',' or '}' after a property value", this.index - 1);
      this.skipWhitespace();
    }
  }

  private parseArray(depth: number): OrderedJSONValue[] {
    this.enter(depth);
    const array: OrderedJSONValue[] = [];
    this.skipWhitespace();
    if (this.text[this.index] === ']') {
      this.index += 1;
      return array;
    }
    for (;;) {
      array.push(this.parseValue(depth + 1));
      this.skipWhitespace();
      const next = this.text[this.index];
      this.index += 1;
      if (next === ']') return array;
      if (next !== ',') this.fail("expected ',' or ']' after an array element", this.index - 1);
      this.skipWhitespace();
    }
  }

  private parseString(): string {
    const start = this.index;
    let escaped = false;
    for (let at = start + 1; at < this.text.length; at += 1) {
      const code = this.text.charCodeAt(at);
      if (code === 0x22) {
        this.index = at + 1;
        // The literal is valid JSON by now, so JSON.parse decodes its escapes exactly.
        return escaped ? (JSON.parse(this.text.slice(start, at + 1)) as string) : this.text.slice(start + 1, at);
      }
      if (code < 0x20) this.fail('control character inside a string', at);
      if (code === 0x5c) {
        escaped = true;
        const kind = this.text[at + 1];
        if (kind === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(at + 2, at + 6))) this.fail('invalid \\u escape in a string', at);
          at += 5;
        } else if (kind !== undefined && SIMPLE_ESCAPES.has(kind)) {
          at += 1;
        } else {
          this.fail('invalid escape in a string', at);
        }
      }
    }
    return this.fail('unterminated string', start);
  }

  private parseNumber(): number {
    NUMBER.lastIndex = this.index;
    const match = NUMBER.exec(this.text);
    if (match === null) return this.fail('invalid number');
    this.index += match[0].length;
    return Number(match[0]);
  }

  private parseLiteral<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.index)) this.fail('expected a value');
    this.index += word.length;
    return value;
  }

  private enter(depth: number): void {
    if (depth >= MAX_JSON_DEPTH) this.fail(`values nest deeper than ${MAX_JSON_DEPTH} levels`);
    this.index += 1;
  }

  private skipWhitespace(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.index);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.index += 1;
    }
  }

  private fail(description: string, offset = this.index): never {
    throw new JSONSyntaxError(Math.min(offset, this.text.length), description);
  }
}
