import { ConsentParseError } from '../errors';
import type { Scope } from '../scopes/scope';

/** One consent record from `GET /v2/api/identities/{id}/consents`. */
export interface Consent {
  id: number | string;
  client: string;
  scope: string;
  scope_name: string;
  effective_identity: string;
  dependency_path: Array<number | string>;
  created: string;
  updated: string;
  last_used: string | null;
  status: string;
  allows_refresh: boolean;
  auto_approved: boolean;
  atomically_revocable: boolean;
  [key: string]: unknown;
}

const REQUIRED_KEYS = [
  'id',
  'client',
  'scope',
  'effective_identity',
  'dependency_path',
  'scope_name',
  'created',
  'updated',
  'last_used',
  'status',
  'allows_refresh',
  'auto_approved',
  'atomically_revocable',
] as const;

interface ConsentNode {
  scopeName: string;
  children: ConsentNode[];
}

/**
 * The consents of an identity as trees: a consent's parent is the second-to-last entry of its
 * `dependency_path`; roots have a path of length 1.
 */
export class ConsentForest {
  /** `"ConsentForest"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static get name(): string {
    return 'ConsentForest';
  }

  private readonly roots: ConsentNode[];

  private constructor(roots: ConsentNode[]) {
    this.roots = roots;
  }

  /**
   * @param consents - The `consents` array of the consents endpoint.
   * @returns The forest.
   * @throws {@link ConsentParseError} for a record missing a required key or a missing parent.
   */
  static fromConsents(consents: unknown): ConsentForest {
    if (!Array.isArray(consents)) throw new ConsentParseError('the consents answer must hold a list of consents');
    const nodes = new Map<string, { node: ConsentNode; path: Array<number | string> }>();
    for (const raw of consents) {
      const consent = checkedConsent(raw);
      nodes.set(String(consent.id), { node: { scopeName: consent.scope_name, children: [] }, path: consent.dependency_path });
    }
    const roots: ConsentNode[] = [];
    for (const { node, path } of nodes.values()) {
      if (path.length <= 1) {
        roots.push(node);
        continue;
      }
      const parentId = String(path[path.length - 2]);
      const parent = nodes.get(parentId);
      if (!parent) throw new ConsentParseError(`Failed to compute forest edges. Missing parent node: ${parentId}`);
      parent.node.children.push(node);
    }
    return new ConsentForest(roots);
  }

  /**
   * Whether every scope (with its dependencies) is met by some tree. `optional` flags, consent
   * `status` and `client` are ignored, as in the Python SDK.
   *
   * @param scopes - The required scopes.
   * @returns `true` if all are met.
   */
  meetsScopeRequirements(scopes: readonly Scope[]): boolean {
    return scopes.every((scope) => this.roots.some((root) => meets(root, scope)));
  }
}

function meets(node: ConsentNode, scope: Scope): boolean {
  if (node.scopeName !== scope.scopeString) return false;
  return scope.dependencies.every((dependency) => node.children.some((child) => meets(child, dependency)));
}

function checkedConsent(raw: unknown): Consent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConsentParseError('Failed to load Consent object: not an object.');
  for (const key of REQUIRED_KEYS) {
    if (!Object.hasOwn(raw, key)) throw new ConsentParseError(`Failed to load Consent object. Missing required key: '${key}'.`);
  }
  const consent = raw as Consent;
  if (!Array.isArray(consent.dependency_path) || consent.dependency_path.length === 0) {
    throw new ConsentParseError("Failed to load Consent object: 'dependency_path' must be a non-empty list.");
  }
  if (typeof consent.scope_name !== 'string') throw new ConsentParseError("Failed to load Consent object: 'scope_name' must be a string.");
  return consent;
}
