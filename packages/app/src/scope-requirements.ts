import { InvalidArgumentError, Scope, ScopeParser } from '@globus-tokenstorage/core';

/** Scope requirements as given: by resource server, a scope string, a `Scope`, or a list of them. */
export type ScopeRequirementsInput = Readonly<Record<string, string | Scope | ReadonlyArray<string | Scope>>>;

/**
 * Parses scope requirements into lists of `Scope`s by resource server.
 *
 * @throws {@link InvalidArgumentError} for anything but a record of scopes, or an empty resource server.
 * @throws `ScopeParseError` for a malformed scope string.
 */
export function parseScopeRequirements(input: ScopeRequirementsInput): Record<string, Scope[]> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidArgumentError(
      'scopeRequirements must map resource servers to scopes, e.g. { "transfer.api.globus.org": "urn:…:all" }',
    );
  }
  const parsed: Record<string, Scope[]> = {};
  for (const [resourceServer, scopes] of Object.entries(input)) {
    if (resourceServer === '') throw new InvalidArgumentError('scopeRequirements: a resource server must be a non-empty string');
    const list = typeof scopes === 'string' || Scope.isInstance(scopes) ? [scopes] : scopes;
    if (!Array.isArray(list))
      throw new InvalidArgumentError(`scopeRequirements['${resourceServer}'] must be a scope string, a Scope or a list of them`);
    parsed[resourceServer] = list.flatMap((scope: unknown) => {
      if (typeof scope === 'string') return ScopeParser.parse(scope);
      if (Scope.isInstance(scope)) return [scope];
      throw new InvalidArgumentError(`scopeRequirements['${resourceServer}'] must hold scope strings or Scopes`);
    });
  }
  return parsed;
}

/**
 * Adds requirements to existing ones (merging scopes of one resource server, as Python's
 * `add_scope_requirements` appends), returning a new record.
 */
export function mergeScopeRequirements(
  current: Readonly<Record<string, readonly Scope[]>>,
  added: Readonly<Record<string, readonly Scope[]>>,
): Record<string, Scope[]> {
  const merged: Record<string, Scope[]> = {};
  for (const [resourceServer, scopes] of Object.entries(current)) merged[resourceServer] = [...scopes];
  for (const [resourceServer, scopes] of Object.entries(added)) {
    merged[resourceServer] = ScopeParser.mergeScopes(merged[resourceServer] ?? [], scopes);
  }
  return merged;
}
