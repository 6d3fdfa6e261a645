import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { toPythonJSON } from '@globus-tokenstorage/core/backend';
import { behavior, PYTHON_FIXTURES } from './support/fixtures';

const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import json'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('toPythonJSON', () => {
  it.each(['v2.json', 'v1.json', 'legacy_simple.json'])('re-serialises the Python fixture %s byte for byte', (file) => {
    const bytes = readFileSync(join(PYTHON_FIXTURES, file), 'utf8');
    expect(toPythonJSON(JSON.parse(bytes))).toBe(bytes);
  });

  it('escapes non-ASCII text like ensure_ascii', () => {
    const raw = behavior.json_edge_cases.non_ascii_raw_bytes as string;
    expect(toPythonJSON(JSON.parse(raw))).toBe(raw);
    expect(toPythonJSON('\u00e4\ud83d\ude00\u007f\u0000"\\\n\t\b\f\r/')).toBe(
      '"\\u00e4\\ud83d\\ude00\\u007f\\u0000\\"\\\\\\n\\t\\b\\f\\r/"',
    );
  });

  it('writes empty containers, nesting and Python float forms', () => {
    expect(toPythonJSON({ a: [], b: {}, c: [1, { d: null }], e: true })).toBe('{"a": [], "b": {}, "c": [1, {"d": null}], "e": true}');
    expect([1.5, 0.0001, 0.00001, 1e16 + 2, 1.2345678e17, 1e-7, -2.5e-6, 123.456].map(toPythonJSON)).toEqual([
      '1.5',
      '0.0001',
      '1e-05',
      '10000000000000002',
      '123456780000000000',
      '1e-07',
      '-2.5e-06',
      '123.456',
    ]);
  });

  it('refuses values JSON cannot hold, and absurd nesting, with InvalidArgumentError', () => {
    expect(() => toPythonJSON(Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => toPythonJSON({ f: () => 1 })).toThrow(InvalidArgumentError);
    let deep: unknown = 1;
    for (let level = 0; level < 10_000; level += 1) deep = [deep];
    expect(() => toPythonJSON(deep)).toThrow(InvalidArgumentError);
  });

  (hasPython ? it : it.skip)('matches python3 json.dumps on generated values', () => {
    const values = fc.sample(fc.jsonValue({ maxDepth: 4 }), { numRuns: 300, seed: 20261123 });
    const script = 'import json,sys\nfor line in sys.stdin:\n    print(json.dumps(json.loads(line)))';
    const input = values.map((value) => JSON.stringify(value)).join('\n');
    const pythonLines = execFileSync('python3', ['-c', script], { input, encoding: 'utf8' }).trimEnd().split('\n');
    const ours = values.map((value) => toPythonJSON(JSON.parse(JSON.stringify(value))));
    // Python prints integral floats as "1.0"; JSON.parse cannot tell 1.0 from 1, so compare after
    // normalising those, and require every other byte to match.
    const normalise = (text: string) => text.replace(/(\d)\.0(?=[,\]} ]|$)/g, '$1');
    expect(ours.map(normalise)).toEqual(pythonLines.map(normalise));
  });
});
