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
    expect(written.serializeText()).toBe(text(written.serialize()));
  });

  it('makes a new file with data, format_version and globus-sdk.version in that order, and the namespace of a store', () => {
    const data = TokenStorageData.fromDict({ resource_server: 'rs', scope: 's', access_token: 'AT-é', expires_at_seconds: 1 });
    const file = TokenFileDocument.empty(source).withEntries('DEFAULT', [['rs', data]]);
    expect(file.serializeText()).toBe(
      '{"data": {"DEFAULT": {"rs": {"resource_server": "rs", "scope": "s", "access_token": "AT-\\u00e9", "expires_at_seconds": 1}}}, "format_version": "2.0", "globus-sdk.version": "test-writer 1.0.0"}',
    );
    expect(file.namespaceNames()).toEqual(['DEFAULT']);
  });

  it('keeps a member of its own after the format keys, replaced in place, and refuses the format keys', () => {
    const file = TokenFileDocument.empty(source).withMember('web-storage.revision', 1).withMember('web-storage.revision', 2);
    expect(file.member('web-storage.revision')).toBe(2);
    expect(Object.keys(JSON.parse(file.serializeText()))).toEqual(['data', 'format_version', 'globus-sdk.version', 'web-storage.revision']);
    for (const key of ['data', 'format_version', 'globus-sdk.version', 'by_rs'])
      expect(thrownBy(() => file.withMember(key, 1))).toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
  });

  it("names the file as its source describes it, and an invalid entry as describeEntry says, never the entry's values", () => {
    const named: TokenFileSource = {
      ...source,
      description: 'localStorage["k"]',
      describeEntry: (namespace, key) => `the entry '${key}' of '${namespace}'`,
    };
    expect(thrownBy(() => TokenFileDocument.parse('[1]', named))).toMatchObject({
      code: ErrorCodes.TOKEN_FILE_FORMAT,
      filePath: 'tokens.json',
    });
    expect((thrownBy(() => TokenFileDocument.parse('[1]', named)) as Error).message).toMatch(
      /^localStorage\["k"\] does not hold a JSON object/,
    );
    const file = TokenFileDocument.parse(
      '{"data": {"N": {"bad": {"access_token": "AT-secret"}}}, "format_version": "2.0", "globus-sdk.version": "x"}',
      named,
    );
    const failure = thrownBy(() => file.tokenData('N', 'bad')) as Error;
    expect(failure).toMatchObject({ code: ErrorCodes.INVALID_TOKEN_DATA });
    expect(failure.message).toMatch(/^the entry 'bad' of 'N' is invalid: /);
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
