import { InvalidArgumentError, Scope, ScopeCycleError, ScopeParseError, ScopeParser } from '@globus-tokenstorage/core';
import { behavior } from './support/fixtures';

/** Python's result order is arbitrary (sets): compare with dependencies sorted at every level. */
function canonical(scope: Scope): string {
  const dependencies = scope.dependencies.map(canonical).sort();
  return `${scope.optional ? '*' : ''}${scope.scopeString}${dependencies.length > 0 ? `[${dependencies.join(' ')}]` : ''}`;
}

const recorded = Object.entries(
  behavior.scope_parser as Record<string, { ok?: boolean; result?: string[]; error?: { type: string; message: string } }>,
).filter(
  ([input, outcome]) =>
    typeof outcome === 'object' && outcome !== null && 'ok' in outcome && !input.startsWith('Scope') && input !== 'serialize_empty',
);

describe('ScopeParser.parse against the Python SDK', () => {
  it.each(recorded.filter(([, outcome]) => outcome.ok))('parses %j like Python (as sets)', (input, outcome) => {
    const expected = (outcome.result ?? []).map((text) => canonical(ScopeParser.parse(text)[0] as Scope)).sort();
    expect(ScopeParser.parse(input).map(canonical).sort()).toEqual(expected);
  });

  it.each(recorded.filter(([, outcome]) => !outcome.ok))('rejects %j with the Python message', (input, outcome) => {
    let caught: unknown;
    try {
      ScopeParser.parse(input);
    } catch (error) {
      caught = error;
    }
    expect(ScopeParseError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toBe(outcome.error?.message);
    expect(ScopeCycleError.isInstance(caught)).toBe(outcome.error?.type === 'ScopeCycleError');
  });

  it('covers the whole error table', () => {
    expect(recorded.filter(([, outcome]) => !outcome.ok).length).toBeGreaterThanOrEqual(14);
  });
});

describe('ScopeParser.parse ordering and merging', () => {
  it.each([
    ['a b c', ['a', 'b', 'c']],
    ['a[b] a[c]', ['a[b c]']],
    ['a[*b c] a[b]', ['a[b c]']],
    ['*a a', ['*a', 'a']],
    ['a[b[c]] d[b[e]]', ['a[b[c e]]', 'd[b[c e]]']],
    ['x a[b] x', ['x', 'a[b]']],
    ['a[b] b[c]', ['a[b[c]]', 'b[c]']],
    ['a[b b *b]', ['a[b]']],
  ])('keeps first-appearance order for %j', (input, expected) => {
    expect(ScopeParser.parse(input).map(String)).toEqual(expected);
  });

  it('splits only on the ASCII space and strips trailing Python whitespace from the last scope', () => {
    expect(ScopeParser.parse('a\tb').map((scope) => scope.scopeString)).toEqual(['a\tb']);
    expect(ScopeParser.parse('a\n').map((scope) => scope.scopeString)).toEqual(['a']);
    expect(ScopeParser.parse('a\u00a0b').map((scope) => scope.scopeString)).toEqual(['a\u00a0b']);
  });

  it('parses 100 000 levels of nesting without overflowing the stack', () => {
    const depth = 100_000;
    const text = `${Array.from({ length: depth }, (_, index) => `s${index}`).join('[')}${']'.repeat(depth - 1)}`;
    const [root] = ScopeParser.parse(text);
    expect(root?.scopeString).toBe('s0');
    expect(String(root)).toBe(text);
    const cyclic = `${Array.from({ length: depth }, (_, index) => `s${index}`).join('[')}[s0${']'.repeat(depth)}`;
    expect(() => ScopeParser.parse(cyclic)).toThrow(ScopeCycleError);
  });

  it('detects a cycle through several scopes', () => {
    expect(() => ScopeParser.parse('a[b] b[c] c[a]')).toThrow("A cycle was found involving 'a'");
  });

  it('rejects a non-string', () => {
    expect(() => ScopeParser.parse(5 as never)).toThrow(InvalidArgumentError);
  });
});

describe('Scope', () => {
  it('serialises optional markers and dependencies like Python str()', () => {
    const parsed = Scope.parse('*a[b *c[d]]');
    expect([parsed.scopeString, parsed.optional, parsed.dependencies.length]).toEqual(['a', true, 2]);
    expect(String(parsed)).toBe('*a[b *c[d]]');
    const built = new Scope('a', {
      optional: true,
      dependencies: [new Scope('b'), new Scope('c', { optional: true, dependencies: [new Scope('d')] })],
    });
    expect(built.equals(parsed)).toBe(true);
  });

  it('builds new scopes with withDependency, withDependencies and withOptional', () => {
    const base = new Scope('transfer:all');
    const dependent = base.withDependency(new Scope('data_access', { optional: true }));
    expect(String(dependent)).toBe('transfer:all[*data_access]');
    expect(String(dependent.withDependencies([new Scope('x'), new Scope('y')]))).toBe('transfer:all[*data_access x y]');
    expect(String(dependent.withOptional())).toBe('*transfer:all[*data_access]');
    expect(String(dependent.withOptional(true).withOptional(false))).toBe('transfer:all[*data_access]');
    expect(String(base)).toBe('transfer:all');
    expect(Object.isFrozen(dependent.dependencies)).toBe(true);
  });

  it('rejects special characters with the Python message', () => {
    expect(() => new Scope('a[b]')).toThrow(behavior.scope_parser["Scope('a[b]') ctor error"].error.message);
    expect(() => new Scope('a b')).toThrow(InvalidArgumentError);
    expect(() => new Scope('*a')).toThrow(InvalidArgumentError);
  });

  it('rejects dependencies that are not Scopes', () => {
    expect(() => new Scope('a', { dependencies: ['b' as never] })).toThrow(InvalidArgumentError);
    expect(() => new Scope('a').withDependency('b' as never)).toThrow(InvalidArgumentError);
    expect(() => new Scope('a', { optional: 'yes' as never })).toThrow(InvalidArgumentError);
  });

  it('Scope.parse needs exactly one scope', () => {
    expect(() => Scope.parse('a b')).toThrow('`Scope.parse()` did not get exactly one scope. Instead got data=[a, b]');
    expect(() => Scope.parse('')).toThrow(ScopeParseError);
  });
});

describe('ScopeParser.serialize and mergeScopes', () => {
  it('space-joins strings and Scopes without parsing', () => {
    expect(ScopeParser.serialize(['foo', 'bar', Scope.parse('*qux[d]')])).toBe(behavior.scope_parser.serialize_list);
    expect(ScopeParser.serialize('a[b]')).toBe('a[b]');
    expect(ScopeParser.serialize(new Scope('x'))).toBe('x');
    expect(ScopeParser.serialize(new Set(['a', 'b']))).toBe('a b');
  });

  it('rejects an empty result unless told not to', () => {
    expect(() => ScopeParser.serialize([])).toThrow(behavior.scope_parser.serialize_empty.error.message);
    expect(() => ScopeParser.serialize('')).toThrow(InvalidArgumentError);
    expect(ScopeParser.serialize([], { rejectEmpty: false })).toBe('');
    expect(() => ScopeParser.serialize([5] as never)).toThrow(InvalidArgumentError);
    expect(() => ScopeParser.serialize(5 as never)).toThrow(InvalidArgumentError);
  });

  it('merges two collections, combining scopes of the same name', () => {
    expect(ScopeParser.mergeScopes('a[b] c', [Scope.parse('a[d]')]).map(String)).toEqual(['a[b d]', 'c']);
    expect(ScopeParser.mergeScopes([], [])).toEqual([]);
  });
});
