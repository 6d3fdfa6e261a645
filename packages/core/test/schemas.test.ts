import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tokenFileV2Schema, validateTokenEntry, validateTokenFile } from '@globus-tokenstorage/core';
import { readFixtureJson } from './support/fixtures';

describe('JSON Schemas of the file formats', () => {
  it.each([
    ['v2.json', '2.0'],
    ['v1.json', '1.0'],
    ['legacy_simple.json', 'legacy-simple'],
  ])('accept the Python fixture %s as kind %s', (file, kind) => {
    expect(validateTokenFile(readFixtureJson(file))).toEqual({ valid: true, kind, problems: [] });
  });

  it('report every problem with a JSON Pointer and no value from the data', () => {
    const broken = readFixtureJson<{ data: Record<string, Record<string, Record<string, unknown>>> }>('v2.json');
    const entry = broken.data.DEFAULT?.['auth.globus.org'] as Record<string, unknown>;
    delete entry.access_token;
    entry.expires_at_seconds = 'SECRET-LOOKING-VALUE';
    const result = validateTokenFile(broken);
    expect(result.valid).toBe(false);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { path: '/data/DEFAULT/auth.globus.org/access_token', message: 'is required' },
        { path: '/data/DEFAULT/auth.globus.org/expires_at_seconds', message: 'must be integer' },
      ]),
    );
    expect(JSON.stringify(result)).not.toContain('SECRET-LOOKING-VALUE');
  });

  it.each([
    [[], 'must be a JSON object'],
    [{ format_version: '3.0', data: {} }, 'has no known format_version'],
    [{ format_version: 2.0, data: {} }, 'has no known format_version'],
  ])('reject %p as an unknown kind', (value, message) => {
    const result = validateTokenFile(value);
    expect([result.valid, result.kind]).toEqual([false, null]);
    expect(result.problems[0]?.message).toContain(message);
  });

  it('escape keys in pointers', () => {
    const result = validateTokenFile({ format_version: '2.0', 'globus-sdk.version': 'x', data: { 'a/b': { '~rs': { scope: 's' } } } });
    expect(result.problems.map((problem) => problem.path)).toContain('/data/a~1b/~0rs/resource_server');
  });

  it('validate single entries', () => {
    expect(validateTokenEntry({ resource_server: 'rs', scope: 's', access_token: 'a', expires_at_seconds: 1 }).valid).toBe(true);
    expect(validateTokenEntry({ resource_server: 'rs', scope: 's', access_token: 'a', expires_at_seconds: 1, token_type: 5 }).problems).toEqual([
      { path: '/token_type', message: 'must be string,null' },
    ]);
  });

  it('are plain JSON Schema documents other tools can use', () => {
    expect(JSON.parse(JSON.stringify(tokenFileV2Schema))).toEqual(tokenFileV2Schema);
    expect(tokenFileV2Schema.$id).toBe('urn:globus-tokenstorage:schema:token-file-2.0');
  });

  it('are compiled into the committed validators (generated code is up to date)', () => {
    expect(() => execFileSync(process.execPath, [join(__dirname, '../scripts/generate-validators.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
