import fc from 'fast-check';
import { OAuthTokenResponse, Scope, ScopeParser, TokenStorageData, TokenStorageError, validateTokenFile } from '@globus-tokenstorage/core';
import { toPythonJSON } from '@globus-tokenstorage/core/backend';
import { FUZZ_RUNS, resultOrTypedError } from '@globus-tokenstorage/test-support/fuzz';

const scopeText = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '[', ']', '*', ' ', '\t', ':', 'é'), maxLength: 40 });
const tokenObject = fc.record(
  {
    access_token: fc.oneof(fc.string(), fc.jsonValue()),
    scope: fc.oneof(fc.string(), fc.jsonValue()),
    resource_server: fc.oneof(fc.string(), fc.jsonValue()),
    refresh_token: fc.oneof(fc.string(), fc.constant(null), fc.jsonValue()),
    token_type: fc.oneof(fc.constant('Bearer'), fc.jsonValue()),
    expires_in: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
    id_token: fc.oneof(fc.string(), fc.constant(null), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

describe('fuzzing core parsers (each case ends in a result or a TokenStorageError)', () => {
  it(`TokenStorageData.fromDict (${FUZZ_RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.object(), tokenObject), (value) => {
        const result = resultOrTypedError(() => TokenStorageData.fromDict(value));
        if (!TokenStorageError.isInstance(result)) expect(TokenStorageData.fromDict(result.toDict()).toDict()).toEqual(result.toDict());
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it(`OAuthTokenResponse.fromJSON (${FUZZ_RUNS} cases)`, () => {
    const response = fc.oneof(
      fc.jsonValue(),
      tokenObject,
      fc
        .tuple(tokenObject, fc.array(fc.oneof(tokenObject, fc.jsonValue()), { maxLength: 4 }))
        .map(([top, others]) => ({ ...top, other_tokens: others })),
      fc.array(tokenObject, { maxLength: 4 }),
    );
    fc.assert(
      fc.property(response, fc.option(fc.string({ minLength: 1 }), { nil: undefined }), (data, defaultResourceServer) => {
        const result = resultOrTypedError(() => OAuthTokenResponse.fromJSON(data, { defaultResourceServer, now: () => 1000 }));
        if (!TokenStorageError.isInstance(result)) {
          for (const dict of Object.values(result.byResourceServer)) {
            expect(Number.isSafeInteger(dict.expires_at_seconds)).toBe(true);
            resultOrTypedError(() => result.byScopes.get(dict.scope));
          }
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it(`ScopeParser.parse and Scope.parse (${FUZZ_RUNS} cases); what parses serialises and re-parses to the same`, () => {
    fc.assert(
      fc.property(fc.oneof(scopeText, fc.string()), (text) => {
        const parsed = resultOrTypedError(() => ScopeParser.parse(text));
        resultOrTypedError(() => Scope.parse(text));
        // Like Python, the parser strips trailing whitespace only from the last scope, so a scope
        // made of tabs or newlines does not survive a round trip; those inputs only must not crash.
        if (!TokenStorageError.isInstance(parsed) && !/[^\S ]/.test(text)) {
          const again = ScopeParser.parse(ScopeParser.serialize(parsed, { rejectEmpty: false }));
          expect(again.map(String)).toEqual(parsed.map(String));
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it(`toPythonJSON and validateTokenFile (${FUZZ_RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(toPythonJSON(value))).toEqual(JSON.parse(JSON.stringify(value)));
        const validation = validateTokenFile(value);
        expect(validation.valid === (validation.problems.length === 0)).toBe(true);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('a scope string nested 100 000 levels deep, and one 1 MB wide, parse without a stack overflow', () => {
    const depth = 100_000;
    const deep = `${'s['.repeat(depth - 1).replace(/s\[/g, (_, offset: number) => `s${offset / 2}[`)}leaf${']'.repeat(depth - 1)}`;
    expect(ScopeParser.parse(deep)).toHaveLength(1);
    const wide = Array.from({ length: 100_000 }, (_, index) => `scope${index}`).join(' ');
    expect(ScopeParser.parse(wide)).toHaveLength(100_000);
  });
});
