import { InvalidArgumentError, ScopeCycleError, ScopeParseError } from '../errors';

/** A scope name with the optional flag of one place where it appears. */
export interface ScopeReference {
  name: string;
  optional: boolean;
}

/**
 * A parsed scope string as a graph: the same scope name is one node across the whole string, so
 * `"a[b] a[c]"` gives one `a` with two dependencies. Keeps first-appearance order throughout.
 */
export interface ScopeGraph {
  /** Top-level scopes; `"*a a"` keeps both `*a` and `a`. */
  roots: ScopeReference[];
  /** Out-edges of each node; a required edge supersedes an optional one to the same child. */
  children: Map<string, Map<string, boolean>>;
}

const SPECIAL = new Set(['[', ']', '*', ' ']);
/** Python's `str.strip()` whitespace, which differs a little from JavaScript's `trim()`. */
const PYTHON_SPACE = '[\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+';
const PYTHON_STRIP = new RegExp(`^${PYTHON_SPACE}|${PYTHON_SPACE}$`, 'g');

/**
 * Parses a scope string with the grammar and error messages of the Python SDK's scope parser.
 * Iterative throughout, so deeply nested input cannot overflow the stack.
 *
 * @param scopeString - The string to parse.
 * @returns Its graph.
 * @throws {@link ScopeParseError} / {@link ScopeCycleError} for malformed input.
 */
export function parseScopeGraph(scopeString: string): ScopeGraph {
  if (typeof scopeString !== 'string') throw new InvalidArgumentError('a scope string must be a string');
  const graph = buildGraph(tokenize(scopeString));
  checkForCycles(graph);
  return graph;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] as string;
    if (!SPECIAL.has(char)) continue;
    rejectBadAdjacentCharacters(char, text[index + 1]);
    if (start !== index) tokens.push(text.slice(start, index));
    start = index + 1;
    if (char !== ' ') tokens.push(char);
  }
  const remainder = text.slice(start).replace(PYTHON_STRIP, '');
  if (remainder !== '') tokens.push(remainder);
  return tokens;
}

function rejectBadAdjacentCharacters(char: string, next: string | undefined): void {
  if (next === undefined) return;
  if (char === '*' && next === ' ') throw new ScopeParseError("'*' must not be followed by a space");
  if (char === ']' && next !== ' ' && next !== ']') throw new ScopeParseError("']' may only be followed by a space or ']'");
  if (char === ' ' && next === '[') throw new ScopeParseError("'[' cannot have a preceding space");
}

function buildGraph(tokens: string[]): ScopeGraph {
  const roots: ScopeReference[] = [];
  const seenRoots = new Set<string>();
  const children = new Map<string, Map<string, boolean>>();
  const parents: string[] = [];
  let optional = false;
  let current: string | null = null;
  tokens.forEach((token, index) => {
    rejectBadAdjacentTokens(token, tokens[index + 1]);
    if (token === '*') {
      optional = true;
    } else if (token === '[') {
      if (current === null) throw new ScopeParseError("found '[' without a preceding scope string");
      parents.push(current);
    } else if (token === ']') {
      if (parents.length === 0) throw new ScopeParseError("found ']' with no matching '[' preceding it");
      parents.pop();
    } else {
      current = token;
      const parent = parents[parents.length - 1];
      if (parent === undefined) {
        const key = `${optional ? '*' : ' '}${token}`;
        if (!seenRoots.has(key)) {
          seenRoots.add(key);
          roots.push({ name: token, optional });
        }
      } else {
        let edges = children.get(parent);
        if (!edges) children.set(parent, (edges = new Map()));
        edges.set(token, (edges.get(token) ?? true) && optional);
      }
      optional = false;
    }
  });
  if (parents.length > 0) throw new ScopeParseError("unclosed brackets, missing ']'");
  return { roots, children };
}

function rejectBadAdjacentTokens(token: string, next: string | undefined): void {
  if (token === '*') {
    if (next === undefined) throw new ScopeParseError('ended in optional marker');
    if (next === '[' || next === ']' || next === '*') throw new ScopeParseError('a scope string must always follow an optional marker');
  } else if (token === '[') {
    if (next === undefined) throw new ScopeParseError('ended in left bracket');
    if (next === ']') throw new ScopeParseError('found empty brackets');
    if (next === '[') throw new ScopeParseError('found double left-bracket');
  }
}

/** Depth-first search for a back edge, with an explicit stack. */
function checkForCycles(graph: ScopeGraph): void {
  const ON_PATH = 1;
  const DONE = 2;
  const state = new Map<string, number>();
  for (const { name: start } of graph.roots) {
    if (state.get(start) === DONE) continue;
    state.set(start, ON_PATH);
    const stack: Array<[string, Iterator<string>]> = [[start, (graph.children.get(start) ?? new Map()).keys()]];
    while (stack.length > 0) {
      const [node, edges] = stack[stack.length - 1] as [string, Iterator<string>];
      const next = edges.next();
      if (next.done) {
        state.set(node, DONE);
        stack.pop();
        continue;
      }
      const dest = next.value;
      const destState = state.get(dest);
      if (destState === ON_PATH) throw new ScopeCycleError(`A cycle was found involving '${dest}'`);
      if (destState === undefined) {
        state.set(dest, ON_PATH);
        stack.push([dest, (graph.children.get(dest) ?? new Map()).keys()]);
      }
    }
  }
}
