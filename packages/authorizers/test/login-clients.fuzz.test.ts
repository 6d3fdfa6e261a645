import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  InvalidArgumentError,
  OAuthTokenResponse,
  Scope,
  ScopeParser,
  TokenStorageError,
  type ScopeCollection,
} from '@globus-tokenstorage/core';
import {
  BasicAuthorizer,
  ConfidentialAppAuthClient,
  NativeAppAuthClient,
  type AuthorizeUrlOptions,
} from '@globus-tokenstorage/authorizers';
import { CASE_TIMEOUT_MS, FUZZ_RUNS, fuzzTimeout, settle } from '@globus-tokenstorage/test-support/fuzz';
import { recordingFetch, tokenAnswer } from './support/recording-fetch';

const BASE_URL = 'https://auth.example.org';

/** Characters that need encoding and that look like URL syntax. */
const character = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ' ',
      '+',
      '%',
      '&',
      '=',
      '?',
      '#',
      '/',
      ':',
      ',',
      '.',
      '~',
      '*',
      "'",
      '(',
      ')',
      '!',
      '[',
      ']',
      '\n',
      '\u0000',
      'é',
      '😀',
    ),
  },
);
/** Strings: mostly encodable, some with a lone surrogate (which has no UTF-8 form), some special. */
const text = fc.oneof(
  { weight: 16, arbitrary: fc.string({ unit: character, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.oneof(character, fc.constantFrom('\ud800', '\udfff')), maxLength: 6 }) },
  { weight: 2, arbitrary: fc.constantFrom('', '.', '..', '%2e', '%', '+', 'a b') },
);

/** Whether a string holds a lone UTF-16 surrogate (which has no UTF-8 encoding). */
function hasLoneSurrogate(value: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value);
}

const scopeName = fc.stringMatching(/^[a-z0-9:._/-]{1,10}$/);
/** A valid scope string with dependencies, built from its grammar. */
const scopeString: fc.Arbitrary<string> = fc.letrec<{ scope: string }>((tie) => ({
  scope: fc
    .tuple(
      fc.boolean(),
      scopeName,
      fc.option(fc.array(tie('scope'), { minLength: 1, maxLength: 3 }), { nil: undefined, depthSize: 'small' }),
    )
    .map(([optional, name, dependencies]) => `${optional ? '*' : ''}${name}${dependencies ? `[${dependencies.join(' ')}]` : ''}`),
})).scope;

/** A `Scope` object (a generated string may repeat a name in its own dependencies: a cycle, refused by `Scope.parse`). */
const scopeObject: fc.Arbitrary<Scope> = scopeString
  .map((value) => settleSync(() => Scope.parse(value)))
  .filter((scope): scope is Scope => Scope.isInstance(scope));

/** What `requestedScopes` accepts: strings, `Scope`s and lists of them, and things it refuses. */
const scopes: fc.Arbitrary<ScopeCollection> = fc.oneof(
  text,
  scopeString,
  scopeObject,
  fc.array(fc.oneof(text, scopeString, scopeObject), { maxLength: 4 }),
);

const verifierAlphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'.split(''));
const verifier = fc.oneof(
  fc.constant(undefined),
  fc.string({ unit: verifierAlphabet, minLength: 43, maxLength: 128 }),
  fc.string({ unit: verifierAlphabet, minLength: 38, maxLength: 133 }),
  fc.string({ unit: character, minLength: 40, maxLength: 60 }),
);

const listOrText = fc.oneof(text, fc.array(text, { maxLength: 3 }));
const authorizeOptions: fc.Arbitrary<AuthorizeUrlOptions> = fc.record(
  {
    sessionRequiredIdentities: listOrText,
    sessionRequiredSingleDomain: listOrText,
    sessionRequiredPolicies: listOrText,
    sessionRequiredMfa: fc.boolean(),
    sessionMessage: text,
    prompt: text,
    queryParams: fc.dictionary(
      fc.oneof(text, fc.constantFrom('client_id', 'scope', 'state', 'redirect_uri', 'access_type', 'prompt')),
      text,
      { maxKeys: 3 },
    ),
  },
  { requiredKeys: [] },
);

const redirectUri = fc.oneof(
  { weight: 4, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  { weight: 1, arbitrary: text },
);

interface Flow {
  requestedScopes: ScopeCollection;
  redirectUri?: string;
  state?: string;
  refreshTokens?: boolean;
}
const flow: fc.Arbitrary<Flow> = fc.record(
  { requestedScopes: scopes, redirectUri, state: text, refreshTokens: fc.boolean() },
  { requiredKeys: ['requestedScopes'] },
);

/** The session parameters as Python adds them to its parameter dict (`dict.update` for queryParams). */
function expectedParameters(flowParams: Array<[string, string]>, options: AuthorizeUrlOptions): Array<[string, string]> {
  const params = new Map(flowParams);
  const joined = (value: string | Iterable<string> | undefined) =>
    value === undefined || typeof value === 'string' ? value : [...value].join(',');
  const add = (key: string, value: string | undefined) => value !== undefined && params.set(key, value);
  add('session_required_identities', joined(options.sessionRequiredIdentities));
  add('session_required_single_domain', joined(options.sessionRequiredSingleDomain));
  add('session_required_policies', joined(options.sessionRequiredPolicies));
  if (options.sessionRequiredMfa !== undefined) add('session_required_mfa', options.sessionRequiredMfa ? 'True' : 'False');
  add('session_message', options.sessionMessage);
  add('prompt', options.prompt);
  for (const [key, value] of Object.entries(options.queryParams ?? {})) add(key, value);
  return [...params];
}

/** Every string a case passes, to predict whether encoding must refuse it. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Scope.isInstance(value)) return [String(value)];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, item]) => [key, ...stringsOf(item)]);
  return [];
}

/** Checks an authorize URL: it parses, its query decodes to exactly `expected`, and it uses Python's quote_plus alphabet. */
function expectAuthorizeUrl(url: string, expected: Array<[string, string]>): void {
  const parsed = new URL(url);
  expect(`${parsed.origin}${parsed.pathname}`).toBe(`${BASE_URL}/v2/oauth2/authorize`);
  expect(parsed.hash).toBe('');
  expect([...parsed.searchParams]).toEqual(expected);
  expect(url.slice(url.indexOf('?') + 1)).toMatch(/^[A-Za-z0-9_.~+%=&-]*$/);
}

function scopesAreEmpty(requested: ScopeCollection): boolean {
  const result = settleSync(() => ScopeParser.serialize(requested));
  return TokenStorageError.isInstance(result);
}

function settleSync<T>(action: () => T): T | TokenStorageError {
  try {
    return action();
  } catch (error) {
    if (TokenStorageError.isInstance(error)) return error;
    throw error;
  }
}

const s256 = (value: string) => createHash('sha256').update(value).digest('base64url');

describe('fuzzing the login clients: authorize URLs parse and decode to exactly what was given', () => {
  it(
    `NativeAppAuthClient.oauth2StartFlow + oauth2GetAuthorizeUrl (${FUZZ_RUNS} cases)`,
    async () => {
      let built = 0;
      await fc.assert(
        fc.asyncProperty(
          flow,
          verifier,
          fc.option(text, { nil: undefined }),
          authorizeOptions,
          async (given, chosenVerifier, prefill, options) => {
            const client = new NativeAppAuthClient('client-id', { baseUrl: BASE_URL });
            const result = await settle(async () => {
              client.oauth2StartFlow({ ...given, verifier: chosenVerifier, prefillNamedGrant: prefill });
              return client.oauth2GetAuthorizeUrl(options);
            });
            const redirect = given.redirectUri ?? `${BASE_URL}/v2/web/auth-code`;
            const badVerifier = chosenVerifier !== undefined && !/^[A-Za-z0-9._~-]{43,128}$/.test(chosenVerifier);
            if (!URL.canParse(redirect) || scopesAreEmpty(given.requestedScopes) || badVerifier) {
              expect(InvalidArgumentError.isInstance(result)).toBe(true);
              return;
            }
            const flowParams: Array<[string, string]> = [
              ['client_id', 'client-id'],
              ['redirect_uri', redirect],
              ['scope', ScopeParser.serialize(given.requestedScopes)],
              ['state', given.state ?? '_default'],
              ['response_type', 'code'],
              ['code_challenge', 'CHALLENGE'],
              ['code_challenge_method', 'S256'],
              ['access_type', given.refreshTokens ? 'offline' : 'online'],
            ];
            if (prefill !== undefined) flowParams.push(['prefill_named_grant', prefill]);
            const expected = expectedParameters(flowParams, options);
            // Only what ends up in the URL is encoded (a queryParams value may replace a bad one).
            if (stringsOf(expected).some(hasLoneSurrogate)) {
              expect(InvalidArgumentError.isInstance(result)).toBe(true);
              return;
            }
            expect(TokenStorageError.isInstance(result)).toBe(false);
            const url = result as string;
            const challenge = new URL(url).searchParams.get('code_challenge') as string;
            if (chosenVerifier !== undefined) expect(challenge).toBe(s256(chosenVerifier));
            expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
            expectAuthorizeUrl(
              url,
              expected.map(([key, value]) => [key, key === 'code_challenge' && value === 'CHALLENGE' ? challenge : value]),
            );
            built += 1;
          },
        ),
        { numRuns: FUZZ_RUNS, timeout: CASE_TIMEOUT_MS },
      );
      expect(built).toBeGreaterThan(FUZZ_RUNS / 10);
    },
    fuzzTimeout(0.5),
  );

  it(
    `ConfidentialAppAuthClient.oauth2StartFlow + oauth2GetAuthorizeUrl (${FUZZ_RUNS} cases)`,
    async () => {
      let built = 0;
      await fc.assert(
        fc.asyncProperty(flow, authorizeOptions, async (given, options) => {
          const client = new ConfidentialAppAuthClient('client-id', 'secret', { baseUrl: BASE_URL });
          const result = await settle(async () => {
            client.oauth2StartFlow({ ...given, redirectUri: given.redirectUri as string });
            return client.oauth2GetAuthorizeUrl(options);
          });
          if (given.redirectUri === undefined || !URL.canParse(given.redirectUri) || scopesAreEmpty(given.requestedScopes)) {
            expect(InvalidArgumentError.isInstance(result)).toBe(true);
            return;
          }
          const flowParams: Array<[string, string]> = [
            ['client_id', 'client-id'],
            ['redirect_uri', given.redirectUri],
            ['scope', ScopeParser.serialize(given.requestedScopes)],
            ['state', given.state ?? '_default'],
            ['response_type', 'code'],
            ['access_type', given.refreshTokens ? 'offline' : 'online'],
          ];
          const expected = expectedParameters(flowParams, options);
          if (stringsOf(expected).some(hasLoneSurrogate)) {
            expect(InvalidArgumentError.isInstance(result)).toBe(true);
            return;
          }
          expect(TokenStorageError.isInstance(result)).toBe(false);
          expectAuthorizeUrl(result as string, expected);
          built += 1;
        }),
        { numRuns: FUZZ_RUNS, timeout: CASE_TIMEOUT_MS },
      );
      expect(built).toBeGreaterThan(FUZZ_RUNS / 10);
    },
    fuzzTimeout(0.5),
  );
});

/** One call of a login client that sends a form, and the form it must send. */
interface FormCall {
  name: string;
  run: (native: NativeAppAuthClient, confidential: ConfidentialAppAuthClient) => Promise<unknown>;
  confidential: boolean;
  path: string;
  form: Array<[string, string]>;
  inputs: unknown[];
}

const verifierValue = fc.string({ unit: verifierAlphabet, minLength: 43, maxLength: 128 });

const formCall: fc.Arbitrary<FormCall> = fc.oneof(
  fc
    .tuple(
      text,
      verifierValue,
      redirectUri.filter((uri) => URL.canParse(uri)),
    )
    .map(
      ([code, pkce, redirect]): FormCall => ({
        name: 'native code exchange',
        run: async (native) => {
          native.oauth2StartFlow({ requestedScopes: 'openid', verifier: pkce, redirectUri: redirect });
          return native.oauth2ExchangeCodeForTokens(code);
        },
        confidential: false,
        path: '/v2/oauth2/token',
        form: [
          ['client_id', 'CLIENT'],
          ['grant_type', 'authorization_code'],
          ['code', code],
          ['code_verifier', pkce],
          ['redirect_uri', redirect],
        ],
        inputs: [code],
      }),
    ),
  text.map(
    (token): FormCall => ({
      name: 'native refresh',
      run: (native) => native.oauth2RefreshToken(token),
      confidential: false,
      path: '/v2/oauth2/token',
      form: [
        ['refresh_token', token],
        ['grant_type', 'refresh_token'],
        ['client_id', 'CLIENT'],
      ],
      inputs: [token],
    }),
  ),
  text.map(
    (token): FormCall => ({
      name: 'native revoke',
      run: (native) => native.oauth2RevokeToken(token),
      confidential: false,
      path: '/v2/oauth2/token/revoke',
      form: [
        ['token', token],
        ['client_id', 'CLIENT'],
      ],
      inputs: [token],
    }),
  ),
  fc
    .tuple(
      text,
      redirectUri.filter((uri) => URL.canParse(uri)),
    )
    .map(
      ([code, redirect]): FormCall => ({
        name: 'confidential code exchange',
        run: async (_, confidential) => {
          confidential.oauth2StartFlow({ requestedScopes: 'openid', redirectUri: redirect });
          return confidential.oauth2ExchangeCodeForTokens(code);
        },
        confidential: true,
        path: '/v2/oauth2/token',
        form: [
          ['grant_type', 'authorization_code'],
          ['code', code],
          ['redirect_uri', redirect],
        ],
        inputs: [code],
      }),
    ),
  text.map(
    (token): FormCall => ({
      name: 'confidential refresh',
      run: (_, confidential) => confidential.oauth2RefreshToken(token),
      confidential: true,
      path: '/v2/oauth2/token',
      form: [
        ['refresh_token', token],
        ['grant_type', 'refresh_token'],
      ],
      inputs: [token],
    }),
  ),
  text.map(
    (token): FormCall => ({
      name: 'confidential revoke',
      run: (_, confidential) => confidential.oauth2RevokeToken(token),
      confidential: true,
      path: '/v2/oauth2/token/revoke',
      form: [['token', token]],
      inputs: [token],
    }),
  ),
  scopes.map(
    (requested): FormCall => ({
      name: 'client credentials',
      run: (_, confidential) => confidential.oauth2ClientCredentialsTokens(requested),
      confidential: true,
      path: '/v2/oauth2/token',
      form: [
        ['grant_type', 'client_credentials'],
        ['scope', scopesAreEmpty(requested) ? '' : ScopeParser.serialize(requested)],
      ],
      inputs: [requested, scopesAreEmpty(requested) ? '' : 'scopes'],
    }),
  ),
  fc
    .tuple(
      text,
      fc.boolean(),
      fc.option(scopes, { nil: undefined }),
      fc.dictionary(fc.oneof(text, fc.constantFrom('token', 'scope', 'grant_type')), text, { maxKeys: 3 }),
    )
    .map(([token, refreshTokens, scope, additionalParams]): FormCall => {
      const form: Array<[string, string]> = [
        ['grant_type', 'urn:globus:auth:grant_type:dependent_token'],
        ['token', token],
      ];
      if (refreshTokens) form.push(['access_type', 'offline']);
      const emptyScope = scope !== undefined && scopesAreEmpty(scope);
      if (scope !== undefined && !emptyScope) form.push(['scope', ScopeParser.serialize(scope)]);
      for (const [key, value] of Object.entries(additionalParams)) {
        const at = form.findIndex(([name]) => name === key);
        if (at >= 0) form[at] = [key, value];
        else form.push([key, value]);
      }
      return {
        name: 'dependent tokens',
        run: (_, confidential) => confidential.oauth2GetDependentTokens(token, { refreshTokens, scope, additionalParams }),
        confidential: true,
        path: '/v2/oauth2/token',
        form,
        inputs: [token, scope, additionalParams, emptyScope ? '' : 'scope'],
      };
    }),
);

describe('fuzzing the login clients: form bodies decode back to exactly what was given', () => {
  it(
    `code exchange, refresh, revoke, client credentials and dependent tokens (${FUZZ_RUNS} cases)`,
    async () => {
      let sent = 0;
      await fc.assert(
        fc.asyncProperty(
          formCall,
          text.filter((id) => id !== ''),
          text.filter((secret) => secret !== ''),
          async (call, clientId, clientSecret) => {
            const { fetch, requests } = recordingFetch(tokenAnswer({ resource_server: 'rs' }));
            const result = await settle(() => {
              const native = new NativeAppAuthClient(clientId, { baseUrl: BASE_URL, fetch });
              // The client refuses, already here, credentials that have no UTF-8 form.
              const confidential = new ConfidentialAppAuthClient(clientId, call.confidential ? clientSecret : 'secret', {
                baseUrl: BASE_URL,
                fetch,
              });
              return call.run(native, confidential);
            });
            // Refused: an empty token, code or scope list, or a string that has no UTF-8 encoding.
            const credentials = call.confidential ? [clientId, clientSecret] : [clientId];
            const refused = call.inputs.some((input) => input === '') || stringsOf([call.form, credentials]).some(hasLoneSurrogate);
            if (refused) {
              expect(InvalidArgumentError.isInstance(result)).toBe(true);
              expect(requests).toEqual([]);
              return;
            }
            expect(TokenStorageError.isInstance(result)).toBe(false);
            if (call.path.endsWith('/token')) expect(result).toBeInstanceOf(OAuthTokenResponse);
            expect(requests).toHaveLength(1);
            const [request] = requests as [(typeof requests)[number]];
            expect(request.url).toBe(`${BASE_URL}${call.path}`);
            expect(request.method).toBe('POST');
            expect(request.contentType).toBe('application/x-www-form-urlencoded');
            expect(request.body).toMatch(/^[A-Za-z0-9_.~+%=&-]*$/);
            const form = call.form.map(([key, value]) => [key, value === 'CLIENT' && key === 'client_id' ? clientId : value]);
            expect([...new URLSearchParams(request.body ?? '')]).toEqual(form);
            if (call.confidential) {
              expect(request.authorization).toMatch(/^Basic [A-Za-z0-9+/]*={0,2}$/);
              expect(Buffer.from((request.authorization as string).slice('Basic '.length), 'base64').toString('utf8')).toBe(
                `${clientId}:${clientSecret}`,
              );
            } else {
              expect(request.authorization).toBeNull();
            }
            sent += 1;
          },
        ),
        { numRuns: FUZZ_RUNS, timeout: CASE_TIMEOUT_MS },
      );
      expect(sent).toBeGreaterThan(FUZZ_RUNS / 4);
    },
    fuzzTimeout(0.5),
  );

  it(
    `getConsents puts any identity ID into its own path segment (${FUZZ_RUNS} cases)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(text, fc.boolean(), async (identityId, all) => {
          const { fetch, requests } = recordingFetch({ json: { consents: [] } });
          const client = new ConfidentialAppAuthClient('client-id', 'secret', { baseUrl: BASE_URL, fetch });
          const result = await settle(() => client.getConsents(identityId, { all }));
          if (identityId === '' || hasLoneSurrogate(identityId) || identityId === '.' || identityId === '..') {
            expect(InvalidArgumentError.isInstance(result)).toBe(true);
            expect(requests).toEqual([]);
            return;
          }
          expect(result).toEqual({ consents: [] });
          const url = new URL((requests[0] as { url: string }).url);
          const segments = url.pathname.split('/');
          expect(segments).toHaveLength(6);
          expect([segments[1], segments[2], segments[3], segments[5]]).toEqual(['v2', 'api', 'identities', 'consents']);
          expect(decodeURIComponent(segments[4] as string)).toBe(identityId);
          expect([...url.searchParams]).toEqual([['all', all ? 'True' : 'False']]);
        }),
        { numRuns: FUZZ_RUNS, timeout: CASE_TIMEOUT_MS },
      );
    },
    fuzzTimeout(0.3),
  );
});

describe('inputs the fuzzer found mishandled', () => {
  it('getConsents refuses identity IDs that a URL parser would resolve to another path, or cannot encode', async () => {
    const { fetch, requests } = recordingFetch({ json: { consents: [] } });
    const client = new ConfidentialAppAuthClient('client-id', 'secret', { baseUrl: BASE_URL, fetch });
    // `..` went to GET /v2/api/consents; an unpaired surrogate threw a raw URIError.
    for (const identityId of ['.', '..', 'a\ud800']) {
      expect(InvalidArgumentError.isInstance(await settle(() => client.getConsents(identityId)))).toBe(true);
    }
    expect(requests).toEqual([]);
    await client.getConsents('a b/c');
    expect((requests[0] as { url: string }).url).toBe(`${BASE_URL}/v2/api/identities/a%20b%2Fc/consents?all=False`);
  });

  it('an error answer quoting the form-encoded request shows no token (it held the refresh token percent-encoded)', async () => {
    const refreshToken = 'RT+with/odd=chars and spaces';
    const lowerHex = (text: string) => text.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
    const echo = (request: { body: string | null }) =>
      `bad ${request.body} ${lowerHex(request.body ?? '')} ${encodeURIComponent(refreshToken)}`;
    const { fetch } = recordingFetch(
      (request) => new Response(JSON.stringify({ error: 'invalid_grant', error_description: echo(request) }), { status: 400 }),
    );
    const error = await settle(() => new NativeAppAuthClient('client-id', { baseUrl: BASE_URL, fetch }).oauth2RefreshToken(refreshToken));
    const text = `${(error as Error).message} ${(error as { description?: string }).description}`;
    expect(text).toContain('refresh_token=[redacted]&grant_type');
    const formEncoded = new URLSearchParams({ t: refreshToken }).toString().slice(2);
    for (const form of [refreshToken, encodeURIComponent(refreshToken), formEncoded, lowerHex(formEncoded)])
      expect(text).not.toContain(form);
  });

  it('credentials with an unpaired surrogate are refused instead of being sent as U+FFFD', () => {
    expect(() => new ConfidentialAppAuthClient('client-id', 'secret\ud800')).toThrow(InvalidArgumentError);
    expect(() => new ConfidentialAppAuthClient('client\udc00', 'secret')).toThrow(InvalidArgumentError);
    expect(() => new BasicAuthorizer('user', '\ud800password')).toThrow(InvalidArgumentError);
    expect(() => new BasicAuthorizer('user', 'pässwörd 😀')).not.toThrow();
  });
});
