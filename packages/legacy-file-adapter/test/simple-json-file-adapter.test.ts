import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCodes, InvalidArgumentError, OAuthTokenResponse, TokenStorageError } from '@globus-tokenstorage/core';
import { LEGACY_VERSION_KEY, SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';

const FIXTURES = resolve(__dirname, '../../../fixtures/python');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));
const behavior = JSON.parse(readFileSync(join(FIXTURES, 'behavior.json'), 'utf8'));
const TRANSFER = 'transfer.api.globus.org';
const TRANSFER_ALL = 'urn:globus:auth:scope:transfer.api.globus.org:all';
const FAKE_NOW = 2_000_000_000;

/** The code-exchange response the Python fixtures were made from. */
function loginResponse(): OAuthTokenResponse {
  const [auth, transfer] = ['auth.globus.org', TRANSFER].map((rs) => behavior.native_flow_default.by_resource_server[rs]);
  const asBody = (dict: Record<string, unknown>) => ({
    ...dict,
    expires_in: (dict.expires_at_seconds as number) - FAKE_NOW,
    expires_at_seconds: undefined,
  });
  return OAuthTokenResponse.fromJSON(
    { ...asBody(auth), other_tokens: [asBody(transfer)] },
    { now: () => FAKE_NOW, grantType: 'authorization_code' },
  );
}

async function typedFailure(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(TokenStorageError.isInstance(error)).toBe(true);
    expect((error as TokenStorageError).code).toBe(code);
    return error as Error;
  }
  throw new Error(`expected ${code}`);
}

describe('SimpleJSONFileAdapter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gts-legacy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file written by the Python contrib package', async () => {
    const file = join(dir, 'legacy.json');
    copyFileSync(join(FIXTURES, 'legacy_simple.json'), file);
    const adapter = new SimpleJSONFileAdapter(file, { resourceServer: TRANSFER });
    expect(await adapter.fileExists()).toBe(true);
    expect(await adapter.readAsDict()).toEqual(expected['legacy_simple.json'].content);
    const data = await adapter.readTokenData();
    expect([data?.resourceServer, data?.accessToken, data?.refreshToken, data?.expiresAtSeconds]).toEqual([
      TRANSFER,
      'AT-transfer-DEFAULT-0001',
      'RT-transfer-DEFAULT-0001',
      2000086400,
    ]);
  });

  it.each([[{ resourceServer: TRANSFER }], [{ scopes: TRANSFER_ALL }]])(
    'writes the bytes the Python package writes, apart from the version (%p)',
    async (options) => {
      const file = join(dir, 'tokens.json');
      await new SimpleJSONFileAdapter(file, options).store(loginResponse());
      const python = readFileSync(join(FIXTURES, 'legacy_simple.json'), 'utf8');
      const ours = readFileSync(file, 'utf8');
      const versionless = (text: string) =>
        text.replace(/"globus-sdk-tokenstorage\.version": "[^"]*"/, '"globus-sdk-tokenstorage.version": "V"');
      expect(versionless(ours)).toBe(versionless(python));
      expect(ours).not.toBe(python);
    },
  );

  it('keeps nulls in the file, as the Python package does', async () => {
    const file = join(dir, 'tokens.json');
    const response = OAuthTokenResponse.fromJSON(
      { access_token: 'a', scope: 's', resource_server: 'rs', expires_in: 10 },
      { now: () => 0 },
    );
    await new SimpleJSONFileAdapter(file, { resourceServer: 'rs' }).store(response);
    expect(readFileSync(file, 'utf8')).toMatch(
      /^\{"scope": "s", "access_token": "a", "refresh_token": null, "token_type": null, "expires_at_seconds": 10, "resource_server": "rs", /,
    );
  });

  it("names this package and its version as the file's writer", async () => {
    const file = join(dir, 'tokens.json');
    const response = OAuthTokenResponse.fromJSON(
      { access_token: 'a', scope: 's', resource_server: 'rs', expires_in: 10 },
      { now: () => 0 },
    );
    await new SimpleJSONFileAdapter(file, { resourceServer: 'rs' }).store(response);
    const { version } = JSON.parse(readFileSync(resolve(__dirname, '../package.json'), 'utf8'));
    expect(JSON.parse(readFileSync(file, 'utf8'))[LEGACY_VERSION_KEY]).toBe(`@globus-tokenstorage/legacy-file-adapter ${version}`);
  });

  it('creates the file 0600 and missing directories 0700 whatever the umask', async () => {
    const previous = process.umask(0);
    try {
      const file = join(dir, 'new', 'dir', 'tokens.json');
      await new SimpleJSONFileAdapter(file, { resourceServer: TRANSFER }).store(loginResponse());
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'new')).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });

  it('onRefresh is the bound store, usable as a detached callback', async () => {
    const file = join(dir, 'tokens.json');
    const { onRefresh } = new SimpleJSONFileAdapter(file, { resourceServer: TRANSFER });
    await onRefresh(loginResponse());
    expect(JSON.parse(readFileSync(file, 'utf8')).access_token).toBe('AT-transfer-DEFAULT-0001');
  });

  it.each([
    [{ resourceServer: 'other.example.org' }, 'no token for the resource server'],
    [{ scopes: `openid ${TRANSFER_ALL}` }, 'no single token of the token response carries the scopes'],
    [{ scopes: 'unknown:scope' }, 'no single token of the token response carries the scopes'],
  ])('rejects a response without the configured token and leaves the file unchanged (%p)', async (options, message) => {
    const file = join(dir, 'tokens.json');
    copyFileSync(join(FIXTURES, 'legacy_simple.json'), file);
    const before = readFileSync(file);
    const error = await typedFailure(new SimpleJSONFileAdapter(file, options).store(loginResponse()), ErrorCodes.INVALID_TOKEN_DATA);
    expect(error.message).toContain(message);
    expect(readFileSync(file)).toEqual(before);
  });

  it.each([
    ['corrupt JSON', '{"access_token": "AT-canary-in-corrupt-file", '],
    ['an empty file', ''],
    ['a JSON array', '["AT-canary-in-corrupt-file"]'],
    ['a JSONTokenStorage 2.0 file', readFileSync(join(FIXTURES, 'v2.json'), 'utf8')],
    ['a 1.0 file', readFileSync(join(FIXTURES, 'v1.json'), 'utf8')],
  ])('never overwrites %s, and names the file in a typed error', async (_label, content) => {
    const file = join(dir, 'tokens.json');
    writeFileSync(file, content);
    const error = await typedFailure(
      new SimpleJSONFileAdapter(file, { resourceServer: TRANSFER }).store(loginResponse()),
      ErrorCodes.TOKEN_FILE_FORMAT,
    );
    expect(error.message).toContain(file);
    expect(error.message).not.toContain('AT-canary');
    expect(String(error.stack)).not.toContain('AT-canary');
    expect(readFileSync(file, 'utf8')).toBe(content);
  });

  it('reports an unreadable file in readAsDict and readTokenData with a typed error naming it', async () => {
    const file = join(dir, 'tokens.json');
    writeFileSync(file, '{"access_token": "AT-canary-in-corrupt-file" x}');
    const adapter = new SimpleJSONFileAdapter(file, { resourceServer: TRANSFER });
    const error = await typedFailure(adapter.readAsDict(), ErrorCodes.TOKEN_FILE_FORMAT);
    expect(error.message).toBe(`the token file '${file}' is not valid JSON (error at character 45)`);
    writeFileSync(file, '{"scope": "s", "globus-sdk-tokenstorage.version": "0.4.1"}');
    expect((await typedFailure(adapter.readTokenData(), ErrorCodes.TOKEN_FILE_FORMAT)).message).toContain(
      "'resource_server' must be a string",
    );
  });

  it('returns null for a missing file', async () => {
    const adapter = new SimpleJSONFileAdapter(join(dir, 'missing.json'), { scopes: TRANSFER_ALL });
    expect(await adapter.fileExists()).toBe(false);
    expect(await adapter.readAsDict()).toBeNull();
    expect(await adapter.readTokenData()).toBeNull();
  });

  it.each([
    [{ resourceServer: TRANSFER, scopes: TRANSFER_ALL }, 'cannot take both resourceServer and scopes'],
    [{}, 'you must pass resourceServer or scopes'],
    [{ resourceServer: '', scopes: '' }, 'you must pass resourceServer or scopes'],
    [null, 'you must pass resourceServer or scopes'],
    [{ resourceServer: 5 }, 'resourceServer must be a string'],
  ])('rejects the options %p with the meaning of the Python message', (options, message) => {
    expect(behavior.legacy_simple_ctor_errors.both.error.message).toBe('cannot take both resource_server and scopes');
    expect(() => new SimpleJSONFileAdapter(join(dir, 'x.json'), options as never)).toThrow(InvalidArgumentError);
    expect(() => new SimpleJSONFileAdapter(join(dir, 'x.json'), options as never)).toThrow(message);
  });

  it('rejects a bad filename and a store of something that is not a token response', async () => {
    expect(() => new SimpleJSONFileAdapter('', { resourceServer: TRANSFER })).toThrow(InvalidArgumentError);
    const adapter = new SimpleJSONFileAdapter(join(dir, 'x.json'), { resourceServer: TRANSFER });
    await typedFailure(adapter.store({} as never), ErrorCodes.INVALID_ARGUMENT);
    expect(String(adapter)).toBe(`SimpleJSONFileAdapter(${JSON.stringify(join(dir, 'x.json'))}, resourceServer="transfer.api.globus.org")`);
  });
});
