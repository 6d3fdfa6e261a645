import { pythonLegacyEntries, pythonV2Entries } from '@globus-tokenstorage/core/conformance';
import { readFixtureJson } from './support/fixtures';

describe("the conformance suite's copy of the Python fixture data", () => {
  const expected = readFixtureJson<Record<string, { namespaces: Record<string, unknown> }>>('expected.json');

  it('equals expected.json for v2.json and tokens.db, key order included', () => {
    expect(JSON.stringify(pythonV2Entries)).toBe(JSON.stringify(expected['v2.json']?.namespaces));
    expect(JSON.stringify(pythonV2Entries)).toBe(JSON.stringify(expected['tokens.db']?.namespaces));
  });

  it('equals expected.json for the legacy v1_sqlite.db dicts', () => {
    expect(JSON.stringify(pythonLegacyEntries)).toBe(JSON.stringify(expected['v1_sqlite.db']?.namespaces));
  });
});
