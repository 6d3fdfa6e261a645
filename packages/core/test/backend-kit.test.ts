import * as core from '@globus-tokenstorage/core';
import { InvalidTokenDataError, TokenStorageData } from '@globus-tokenstorage/core';
import * as kit from '@globus-tokenstorage/core/backend';
import { isWellFormedText, JSONNestingError, MAX_JSON_DEPTH, parseBoundedJSON, ParsedEntryCache } from '@globus-tokenstorage/core/backend';
import * as node from '@globus-tokenstorage/core/node';

/** What moved from core's main entry (and `./node`) into the backend kit. */
const MOVED = [
  'assertKnownOptions',
  'checkedClock',
  'checkedMilliseconds',
  'MAX_MILLISECONDS',
  'assertWellFormedText',
  'setOwnEntry',
  'safeErrorName',
  'REDACTED',
  'describeNetworkError',
  'abortable',
  'toPythonJSON',
  'findDeepJSONNesting',
  'MAX_JSON_DEPTH',
];

const dict = (accessToken: string) => ({
  resource_server: 'rs',
  identity_id: null,
  scope: 'openid',
  access_token: accessToken,
  refresh_token: null,
  expires_at_seconds: 2_000_000_000,
  token_type: 'Bearer',
});
const where = () => "the token data of 'rs'";

describe('the backend kit', () => {
  it('holds the helpers backends share, and core main entry and ./node no longer export them', () => {
    expect(MOVED.filter((name) => !(name in kit))).toEqual([]);
    expect(MOVED.filter((name) => name in core || name in node)).toEqual([]);
  });

  it('parseBoundedJSON refuses a text nested too deep with a JSONNestingError that says where and quotes nothing', () => {
    const text = `${'['.repeat(MAX_JSON_DEPTH + 1)}"AT-secret"${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    const error = (() => {
      try {
        return parseBoundedJSON(text);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(JSONNestingError);
    expect(error).toBeInstanceOf(SyntaxError);
    expect((error as JSONNestingError).offset).toBe(MAX_JSON_DEPTH);
    expect((error as Error).message).toBe(`values nest deeper than ${MAX_JSON_DEPTH} levels at character ${MAX_JSON_DEPTH}`);
    expect(parseBoundedJSON(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBeInstanceOf(Array);
    expect(() => parseBoundedJSON('{"a":')).toThrow(SyntaxError);
    expect(() => parseBoundedJSON('{"a":')).not.toThrow(JSONNestingError);
  });

  it('isWellFormedText is false only for a string holding an unpaired surrogate', () => {
    expect(['', 'abc', '\ud83d\ude00', 'é'].map(isWellFormedText)).toEqual([true, true, true, true]);
    expect(['\ud800', 'a\udc00', '\ude00\ud83d', 'x\ud83d'].map(isWellFormedText)).toEqual([false, false, false, false]);
  });

  it('ParsedEntryCache reuses a parse while the text is unchanged, parses a changed text again, and is left as it was by a text that fails', () => {
    const cache = new ParsedEntryCache();
    const text = JSON.stringify(dict('AT-1'));
    const first = cache.parse('rs', text, where);
    expect(first).toBeInstanceOf(TokenStorageData);
    expect(cache.parse('rs', `${text}`, where)).toBe(first);
    const changed = cache.parse('rs', JSON.stringify(dict('AT-2')), where);
    expect(changed).not.toBe(first);
    expect(changed.accessToken).toBe('AT-2');
    expect(() => cache.parse('rs', '{"access_token": "AT-3"', where)).toThrow(InvalidTokenDataError);
    expect(() => cache.parse('rs', '{"access_token": "AT-3"', where)).toThrow("the token data of 'rs' is not valid JSON (23 characters)");
    expect(cache.parse('rs', JSON.stringify(dict('AT-2')), where)).toBe(changed);
  });

  it('ParsedEntryCache drops the entry cached first once full, and clear() forgets every entry', () => {
    const cache = new ParsedEntryCache(2);
    const text = JSON.stringify(dict('AT-1'));
    const a = cache.parse('a', text, where);
    const b = cache.parse('b', text, where);
    cache.parse('c', text, where);
    expect(cache.parse('b', text, where)).toBe(b);
    expect(cache.parse('a', text, where)).not.toBe(a);
    const c = cache.parse('c', text, where);
    cache.clear();
    expect(cache.parse('c', text, where)).not.toBe(c);
  });
});
