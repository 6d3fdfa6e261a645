import fc from 'fast-check';
import { findDeepJSONNesting, MAX_JSON_DEPTH } from '@globus-tokenstorage/core/backend';
import { FUZZ_RUNS } from '@globus-tokenstorage/test-support/fuzz';

/** Nesting depth of a parsed JSON value (iterative). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop() as [unknown, number];
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** A JSON value wrapped in `levels` arrays or objects, as text (built as text: no deep recursion). */
const wrapped = fc
  .tuple(fc.jsonValue({ maxDepth: 3 }), fc.integer({ min: 0, max: MAX_JSON_DEPTH + 10 }), fc.boolean(), fc.string({ maxLength: 4 }))
  .map(([inner, levels, asObject, key]) => {
    const k = JSON.stringify(key);
    return asObject
      ? `${`{${k}: `.repeat(levels)}${JSON.stringify(inner)}${'}'.repeat(levels)}`
      : `${'['.repeat(levels)}${JSON.stringify(inner)}${']'.repeat(levels)}`;
  });

describe('fuzzing findDeepJSONNesting', () => {
  it(`finds the first bracket nested deeper than ${MAX_JSON_DEPTH} levels, and nothing in shallower JSON (${FUZZ_RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue().map((value) => JSON.stringify(value)),
          wrapped,
        ),
        (text) => {
          const offset = findDeepJSONNesting(text);
          expect(offset >= 0).toBe(depthOf(JSON.parse(text)) > MAX_JSON_DEPTH);
          if (offset >= 0) expect('[{').toContain(text[offset]);
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: `\\"${'['.repeat(MAX_JSON_DEPTH + 5)}` });
    expect(findDeepJSONNesting(text)).toBe(-1);
    expect(findDeepJSONNesting('['.repeat(MAX_JSON_DEPTH + 1))).toBe(MAX_JSON_DEPTH);
  });
});
