import { InvalidArgumentError } from '../errors';
import { parseScopes, Scope } from './scope';

/** What {@link ScopeParser.serialize} accepts: a string, a Scope, or an iterable of either. */
export type ScopeCollection = string | Scope | Iterable<string | Scope>;

/**
 * Parses and serialises scope strings with the grammar of the Python SDK: scopes separated by
 * ASCII spaces, `*` marking the next scope optional, `X[...]` listing X's dependencies.
 */
export const ScopeParser = {
  /**
   * Parses a scope string. The same scope name is one node across the whole string: `"a[b] a[c]"`
   * gives one `a[b c]`, and a required dependency supersedes an optional one. Unlike the Python
   * SDK, the result keeps first-appearance order.
   *
   * @param scopeString - E.g. `"openid urn:…:transfer.api.globus.org:all[*dep]"`.
   * @returns The top-level scopes (`[]` for an empty string).
   * @throws {@link ScopeParseError} with the Python SDK's message for malformed input, or
   *   {@link ScopeCycleError} when a scope depends on itself.
   */
  parse(scopeString: string): Scope[] {
    return parseScopes(scopeString);
  },

  /**
   * Space-joins the string form of each item; does not parse or merge.
   *
   * @param scopes - A string, a Scope, or an iterable of strings and Scopes.
   * @param options - `rejectEmpty` (default `true`): throw for an empty result.
   * @returns The scope string.
   * @throws {@link InvalidArgumentError} for an empty result (when rejected) or an item of another type.
   */
  serialize(scopes: ScopeCollection, options: { rejectEmpty?: boolean } = {}): string {
    const items = typeof scopes === 'string' || Scope.isInstance(scopes) ? [scopes] : checkedIterable(scopes);
    const text = items
      .map((item) => {
        if (typeof item === 'string' || Scope.isInstance(item)) return item.toString();
        throw new InvalidArgumentError('scopes must be strings or Scope objects');
      })
      .join(' ');
    if ((options.rejectEmpty ?? true) && text.trim() === '') {
      throw new InvalidArgumentError("'scopes' cannot be the empty string or empty collection.");
    }
    return text;
  },

  /**
   * Parses two scope collections together, merging scopes of the same name.
   *
   * @param first - Scopes.
   * @param second - More scopes.
   * @returns The merged top-level scopes.
   * @throws {@link ScopeParseError} for malformed input.
   */
  mergeScopes(first: ScopeCollection, second: ScopeCollection): Scope[] {
    const serialize = (scopes: ScopeCollection) => ScopeParser.serialize(scopes, { rejectEmpty: false });
    return parseScopes(`${serialize(first)} ${serialize(second)}`);
  },
} as const;

function checkedIterable(scopes: unknown): unknown[] {
  if (typeof scopes !== 'object' || scopes === null || typeof (scopes as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new InvalidArgumentError('scopes must be a string, a Scope, or an iterable of them');
  }
  return [...(scopes as Iterable<unknown>)];
}
