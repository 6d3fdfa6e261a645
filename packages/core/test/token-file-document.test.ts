import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCodes, TokenStorageData } from '@globus-tokenstorage/core';
import { TokenFileDocument, type TokenFileSource } from '@globus-tokenstorage/core/backend';
import { thrownBy } from '@globus-tokenstorage/test-support/thrown';

const PYTHON_FIXTURES = resolve(__dirname, '../../../fixtures/python');
const source: TokenFileSource = { filePath: 'tokens.json', writer: 'test-writer 1.0.0' };
const text = (bytes: Uint8Array[]) => Buffer.concat(bytes).toString('utf8');
const python = readFileSync(join(PYTHON_FIXTURES, 'v2.json'), 'utf8');

describe('TokenFileDocument', () => {
  it("stores entries as the Python SDK writes them: every other byte of Python's file stays, and the writer is named", () => {
    const file = TokenFileDocument.parse(python, source);
    const entries = Object.entries(file.allTokenData('DEFAULT'));
    const written = file.withEntries('DEFAULT', entries);
    expect(text(written.serialize())).toBe(python.replace('"globus-sdk.version": "4.9.0"', '"globus-sdk.version": "test-writer 1.0.0"'));
  });

  it('makes a new file with data, format_version and globus-sdk.version in that order, and the namespace of a store', () => {
    const data = TokenStorageData.fromDict({ resource_server: 'rs', scope: 's', access_token: 'AT-é', expires_at_seconds: 1 });
    const file = TokenFileDocument.empty(source).withEntries('DEFAULT', [['rs', data]]);
    expect(text(file.serialize())).toBe(
      '{"data": {"DEFAULT": {"rs": {"resource_server": "rs", "scope": "s", "access_token": "AT-\\u00e9", "expires_at_seconds": 1}}}, "format_version": "2.0", "globus-sdk.version": "test-writer 1.0.0"}',
    );
    expect(file.namespaceNames()).toEqual(['DEFAULT']);
  });

  it("names the file, and an invalid entry by namespace and resource server, never the entry's values", () => {
    expect(thrownBy(() => TokenFileDocument.parse('[1]', source))).toMatchObject({
      code: ErrorCodes.TOKEN_FILE_FORMAT,
      filePath: 'tokens.json',
    });
    expect((thrownBy(() => TokenFileDocument.parse('[1]', source)) as Error).message).toMatch(
      /^token file 'tokens\.json' does not hold a JSON object/,
    );
    const file = TokenFileDocument.parse(
      '{"data": {"N": {"bad": {"access_token": "AT-secret"}}}, "format_version": "2.0", "globus-sdk.version": "x"}',
      source,
    );
    const failure = thrownBy(() => file.tokenData('N', 'bad')) as Error;
    expect(failure).toMatchObject({ code: ErrorCodes.INVALID_TOKEN_DATA });
    expect(failure.message).toMatch(/^the token data for resource server 'bad' in namespace 'N' of 'tokens\.json' is invalid: /);
    expect(failure.message).not.toContain('AT-secret');
  });

  it('reads a format 1.0 file as namespace DEFAULT and removes an entry as Python does', () => {
    const file = TokenFileDocument.parse(readFileSync(join(PYTHON_FIXTURES, 'v1.json'), 'utf8'), source);
    expect(file.formatVersion).toBe('1.0');
    const [key] = Object.keys(file.allTokenData('DEFAULT')) as [string];
    const removal = file.withoutEntry('DEFAULT', key);
    expect(removal.removed).toBe(true);
    expect(removal.file?.formatVersion).toBe('2.0');
    expect(Object.keys(removal.file?.allTokenData('DEFAULT') ?? {})).not.toContain(key);
  });
});
