import fc from 'fast-check';
import { JSONSyntaxError, parseOrderedJSON, type OrderedJSONValue } from '../src/backend/parse-ordered-json';

/** The ordered parse as plain values (Map → object), to compare with JSON.parse. */
function plain(value: OrderedJSONValue): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (!(value instanceof Map)) return value;
  const object: Record<string, unknown> = {};
  for (const [key, item] of value)
    Object.defineProperty(object, key, { value: plain(item), enumerable: true, writable: true, configurable: true });
  return object;
}

function outcome(parse: () => unknown): 'ok' | 'error' {
  try {
    parse();
    return 'ok';
  } catch {
    return 'error';
  }
}

describe('parseOrderedJSON', () => {
  it('reads every JSON text as JSON.parse does, whatever the layout', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, '\t', ' \r\n'), (value, space) => {
        const text = JSON.stringify(value, null, space);
        expect(plain(parseOrderedJSON(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects exactly the texts JSON.parse rejects', () => {
    const mutated = fc
      .tuple(fc.jsonValue(), fc.nat(), fc.constantFrom('', '"', '{', '}', ',', ':', '\\', '[', ']', 'x', '\u0001', '-', '.', 'e', ' '))
      .map(([value, at, insert]) => {
        const text = JSON.stringify(value);
        const index = text.length === 0 ? 0 : at % text.length;
        return text.slice(0, index) + insert + text.slice(index + (insert === '' ? 1 : 0));
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string()), (text) => {
        expect(outcome(() => parseOrderedJSON(text))).toBe(outcome(() => JSON.parse(text)));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the text order of integer-like keys, which JSON.parse moves first', () => {
    const parsed = parseOrderedJSON('{"b": 1, "10": 2, "a": {"2": true, "1": false}, "0": null}') as Map<string, OrderedJSONValue>;
    expect([...parsed.keys()]).toEqual(['b', '10', 'a', '0']);
    expect([...(parsed.get('a') as Map<string, OrderedJSONValue>).keys()]).toEqual(['2', '1']);
    expect(Object.keys(JSON.parse('{"b": 1, "10": 2}'))).toEqual(['10', 'b']);
  });

  it('keeps the first place and the last value of a repeated key, as Python and JSON.parse do', () => {
    const parsed = parseOrderedJSON('{"a": 1, "b": 2, "a": 3}') as Map<string, OrderedJSONValue>;
    expect([...parsed]).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
  });

  it.each<[string, number, string]>([
    ['{', 1, 'expected a property name'],
    ['', 0, 'expected a value'],
    ['{"a": 1,}', 8, 'expected a property name'],
    ['[1 2]', 3, "expected ','"],
    ['{"a": "x\ny"}', 8, 'control character'],
    ['"abc', 0, 'unterminated string'],
    ['\ufeff{}', 0, 'byte order mark'],
    ['{} {}', 3, 'after the JSON value'],
    ['{"a": tru}', 6, 'expected a value'],
  ])('locates the problem in %j without quoting the text', (text, offset, description) => {
    let error: unknown;
    try {
      parseOrderedJSON(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JSONSyntaxError);
    expect((error as JSONSyntaxError).offset).toBe(offset);
    expect((error as JSONSyntaxError).message).toContain(description);
  });

  it('refuses values nested deeper than 512 levels instead of overflowing the stack', () => {
    expect(() => parseOrderedJSON(`${'['.repeat(600)}${']'.repeat(600)}`)).toThrow('deeper than 512');
    expect(plain(parseOrderedJSON(`${'['.repeat(500)}${']'.repeat(500)}`))).toEqual(JSON.parse(`${'['.repeat(500)}${']'.repeat(500)}`));
  });
});
