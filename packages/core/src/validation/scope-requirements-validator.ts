import { InvalidArgumentError, UnmetScopeRequirementsError } from '../errors';
import { Scope } from '../scopes/scope';
import { ScopeParser } from '../scopes/scope-parser';
import type { TokenStorageData } from '../tokens/token-storage-data';
import { ConsentForest, type Consent } from './consent-forest';
import type { TokenDataValidator, TokenValidationContext } from './token-data-validator';

/**
 * Fetches an identity's consents, e.g. `ConfidentialAppAuthClient` of
 * `@globus-tokenstorage/authorizers`, or any object that calls
 * `GET /v2/api/identities/{id}/consents?all=False`.
 */
export interface ConsentClient {
  /**
   * @param identityId - The identity whose consents to list.
   * @returns The `consents` array (or the whole answer holding it).
   */
  getConsents(identityId: string): Promise<readonly Consent[] | { consents: readonly Consent[] }>;
}

/**
 * Rejects token data that lacks required scopes. Before a store only the top-level scopes are
 * checked against the token's `scope`; after a read, dependent scopes are also checked against the
 * identity's consents, fetched once and cached while requirements stay met (Python semantics).
 */
export class ScopeRequirementsValidator implements TokenDataValidator {
  /** The requirements by resource server, parsed. */
  readonly scopeRequirements: Readonly<Record<string, readonly Scope[]>>;
  private readonly consentClient: ConsentClient;
  private cachedForest: ConsentForest | null = null;

  /**
   * @param scopeRequirements - Required scopes by resource server, as Scopes or scope strings.
   * @param consentClient - Fetches consents for dependent-scope checks.
   * @throws {@link InvalidArgumentError} for malformed arguments; `ScopeParseError` for bad scope strings.
   */
  constructor(scopeRequirements: Readonly<Record<string, ReadonlyArray<Scope | string>>>, consentClient: ConsentClient) {
    if (typeof scopeRequirements !== 'object' || scopeRequirements === null || Array.isArray(scopeRequirements)) {
      throw new InvalidArgumentError('scopeRequirements must map resource servers to lists of scopes');
    }
    if (typeof consentClient !== 'object' || consentClient === null || typeof consentClient.getConsents !== 'function') {
      throw new InvalidArgumentError('consentClient must have a getConsents(identityId) method');
    }
    const parsed: Record<string, readonly Scope[]> = {};
    for (const [resourceServer, scopes] of Object.entries(scopeRequirements)) {
      if (!Array.isArray(scopes)) throw new InvalidArgumentError(`the scope requirements of '${resourceServer}' must be a list`);
      parsed[resourceServer] = Object.freeze(
        scopes.flatMap((scope: Scope | string) => (Scope.isInstance(scope) ? [scope] : ScopeParser.parse(scope))),
      );
    }
    this.scopeRequirements = Object.freeze(parsed);
    this.consentClient = consentClient;
  }

  /**
   * Checks top-level scopes of each entry, using the mapping key as its resource server.
   *
   * @throws {@link UnmetScopeRequirementsError} ("Unmet scope requirements").
   */
  async beforeStore(data: Readonly<Record<string, TokenStorageData>>, context: TokenValidationContext): Promise<void> {
    const identityId = context.tokenDataIdentityId ?? context.priorIdentityId;
    for (const [resourceServer, token] of Object.entries(data)) await this.check(resourceServer, token, identityId, false);
  }

  /**
   * Checks top-level and dependent scopes of each entry.
   *
   * @throws {@link UnmetScopeRequirementsError} ("Unmet scope requirements" or "Unmet dependent scope requirements").
   */
  async afterRetrieve(data: Readonly<Record<string, TokenStorageData>>, context: TokenValidationContext): Promise<void> {
    const identityId = context.tokenDataIdentityId ?? context.priorIdentityId;
    for (const token of Object.values(data)) await this.check(token.resourceServer, token, identityId, true);
  }

  private async check(resourceServer: string, token: TokenStorageData, identityId: string | null, evalDependent: boolean): Promise<void> {
    const required = Object.hasOwn(this.scopeRequirements, resourceServer) ? this.scopeRequirements[resourceServer] : undefined;
    if (!required) return;
    const granted = new Set(token.scope.split(/\s+/));
    if (!required.every((scope) => granted.has(scope.scopeString))) this.fail('Unmet scope requirements');
    if (!evalDependent || !required.some((scope) => scope.dependencies.length > 0)) return;
    if (this.cachedForest?.meetsScopeRequirements(required)) return;
    // Without a known identity the consents cannot be fetched; Python skips the check too.
    if (identityId === null) return;
    const answer = await this.consentClient.getConsents(identityId);
    this.cachedForest = ConsentForest.fromConsents(Array.isArray(answer) ? answer : (answer as { consents?: unknown }).consents);
    if (!this.cachedForest.meetsScopeRequirements(required)) this.fail('Unmet dependent scope requirements');
  }

  private fail(message: string): never {
    throw new UnmetScopeRequirementsError(message, { scopeRequirements: this.scopeRequirements });
  }
}
