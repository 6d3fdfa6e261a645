import { assertKnownOptions } from '../arguments/assert-known-options';
import { InvalidArgumentError, ScopeParseError } from '../errors';
import { parseScopeGraph, type ScopeGraph } from './scope-graph';

const SPECIAL_CHARACTERS = /[[\]* ]/;
const BRAND = Symbol.for('globus-tokenstorage.Scope');

/** Options of the {@link Scope} constructor. */
export interface ScopeOptions {
  /** Whether the scope is optional (written with a leading `*`). @default false */
  optional?: boolean;
  /** Scopes this one depends on (written in brackets after it). @default [] */
  dependencies?: Iterable<Scope>;
}

/**
 * An immutable scope with optional dependent scopes, as in `urn:…:transfer.api.globus.org:all[*dep]`.
 *
 * @example
 * ```ts
 * const transfer = Scope.parse('urn:globus:auth:scope:transfer.api.globus.org:all');
 * const withData = transfer.withDependency(new Scope('https://auth.globus.org/scopes/ID/data_access', { optional: true }));
 * String(withData); // 'urn:…:all[*https://auth.globus.org/scopes/ID/data_access]'
 * ```
 */
export class Scope {
  /** `"Scope"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static get name(): string {
    return 'Scope';
  }

  /** The scope string itself, without markers or dependencies. */
  readonly scopeString: string;
  /** Whether the scope is optional. */
  readonly optional: boolean;
  /** The scopes this one depends on. */
  readonly dependencies: readonly Scope[];

  /**
   * @param scopeString - A scope string without `[`, `]`, `*` or spaces (use {@link Scope.parse} for those).
   * @param options - `optional` and `dependencies`.
   * @throws {@link InvalidArgumentError} for special characters, a non-Scope dependency or an unknown option.
   */
  constructor(scopeString: string, options: ScopeOptions = {}) {
    if (typeof scopeString !== 'string') throw new InvalidArgumentError('a scope string must be a string');
    if (SPECIAL_CHARACTERS.test(scopeString)) {
      throw new InvalidArgumentError("Scope instances may not contain the special characters '[]* '. Use Scope.parse instead.");
    }
    assertKnownOptions(options, ['optional', 'dependencies'], 'Scope');
    const optional = options.optional ?? false;
    if (typeof optional !== 'boolean') throw new InvalidArgumentError("'optional' must be a boolean");
    this.scopeString = scopeString;
    this.optional = optional;
    this.dependencies = Object.freeze(checkedScopes(options.dependencies ?? []));
    Object.defineProperty(this, BRAND, { value: true });
    Object.freeze(this);
  }

  /**
   * Parses a string holding exactly one scope (with its dependencies).
   *
   * @param scopeString - E.g. `"*a[b c]"`.
   * @returns The scope.
   * @throws {@link ScopeParseError} for a malformed string or one holding zero or several scopes.
   */
  static parse(scopeString: string): Scope {
    const scopes = parseScopes(scopeString);
    if (scopes.length !== 1) {
      // Bounded: scopes that share dependencies serialise to a text exponentially longer than the input.
      const shown = render(scopes, MESSAGE_LIMIT, ', ');
      throw new ScopeParseError(`\`Scope.parse()\` did not get exactly one scope. Instead got data=[${shown}]`);
    }
    return scopes[0] as Scope;
  }

  /**
   * Whether `value` is a `Scope`, also when made by another copy of this package.
   *
   * @param value - Anything.
   * @returns `true` for a scope.
   */
  static isInstance(value: unknown): value is Scope {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /**
   * @param dependency - The scope to add.
   * @returns A copy with one more dependency.
   */
  withDependency(dependency: Scope): Scope {
    return this.withDependencies([dependency]);
  }

  /**
   * @param dependencies - The scopes to add.
   * @returns A copy with these dependencies appended.
   */
  withDependencies(dependencies: Iterable<Scope>): Scope {
    return new Scope(this.scopeString, { optional: this.optional, dependencies: [...this.dependencies, ...checkedScopes(dependencies)] });
  }

  /**
   * @param optional - The new flag. @default true
   * @returns A copy with the optional flag set.
   */
  withOptional(optional = true): Scope {
    return new Scope(this.scopeString, { optional, dependencies: this.dependencies });
  }

  /**
   * Structural equality: same string, flag and dependencies in the same order.
   *
   * @param other - Another scope.
   * @returns Whether both serialise identically.
   */
  equals(other: Scope): boolean {
    return Scope.isInstance(other) && other.toString() === this.toString();
  }

  /** The scope in scope-string syntax: `*a[b *c[d]]`. Iterative, so deep nesting cannot overflow the stack. */
  toString(): string {
    return render([this], Infinity, ' ');
  }
}

/** How much of the scopes {@link Scope.parse} quotes in its error message. */
const MESSAGE_LIMIT = 1000;

/**
 * Scopes in scope-string syntax joined by `separator`, cut after about `limit` characters (with `…`).
 * Iterative, so deep nesting cannot overflow the stack.
 */
function render(scopes: readonly Scope[], limit: number, separator: string): string {
  const parts: string[] = [];
  let length = 0;
  const pending: Array<Scope | string> = [];
  for (let index = scopes.length - 1; index >= 0; index -= 1) {
    pending.push(scopes[index] as Scope);
    if (index > 0) pending.push(separator);
  }
  while (pending.length > 0) {
    if (length > limit) return `${parts.join('').slice(0, limit)}…`;
    const item = pending.pop()!;
    if (typeof item === 'string') {
      parts.push(item);
      length += item.length;
      continue;
    }
    parts.push(item.optional ? '*' : '', item.scopeString);
    length += item.scopeString.length + 1;
    if (item.dependencies.length === 0) continue;
    pending.push(']');
    for (let index = item.dependencies.length - 1; index >= 0; index -= 1) {
      pending.push(item.dependencies[index] as Scope);
      if (index > 0) pending.push(' ');
    }
    pending.push('[');
  }
  return parts.join('');
}

function checkedScopes(scopes: Iterable<Scope>): Scope[] {
  if (typeof scopes !== 'object' || scopes === null || typeof (scopes as Iterable<Scope>)[Symbol.iterator] !== 'function') {
    throw new InvalidArgumentError('dependencies must be an iterable of Scope');
  }
  const list = [...scopes];
  for (const scope of list) {
    if (!Scope.isInstance(scope)) throw new InvalidArgumentError('dependencies must be Scope objects (use Scope.parse for strings)');
  }
  return list;
}

/**
 * Parses a scope string into its top-level scopes (see `ScopeParser.parse`).
 *
 * @param scopeString - The string to parse.
 * @returns The scopes, in first-appearance order.
 * @throws {@link ScopeParseError} / `ScopeCycleError` for malformed input.
 */
export function parseScopes(scopeString: string): Scope[] {
  const graph = parseScopeGraph(scopeString);
  const dependenciesOf = buildDependencies(graph);
  return graph.roots.map(({ name, optional }) => new Scope(name, { optional, dependencies: dependenciesOf.get(name) ?? [] }));
}

/**
 * The dependency list of every node, built children first with an explicit stack. Nodes shared by
 * several parents share their Scope objects (they are immutable), so a wide graph stays small.
 */
function buildDependencies(graph: ScopeGraph): Map<string, Scope[]> {
  const built = new Map<string, Scope[]>();
  const scopeFor = (name: string, optional: boolean) => new Scope(name, { optional, dependencies: built.get(name) ?? [] });
  for (const { name: root } of graph.roots) {
    const stack = [root];
    while (stack.length > 0) {
      const node = stack[stack.length - 1] as string;
      if (built.has(node)) {
        stack.pop();
        continue;
      }
      const edges = graph.children.get(node) ?? new Map<string, boolean>();
      const pending = [...edges.keys()].filter((child) => !built.has(child));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      built.set(
        node,
        [...edges].map(([child, optional]) => scopeFor(child, optional)),
      );
      stack.pop();
    }
  }
  return built;
}
