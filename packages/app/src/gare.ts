import type { GlobusAuthorizationParameters } from './authorization-parameters';

/** The keys of Globus Auth's `authorization_parameters` and what they are called here. */
const PARAMETER_NAMES = {
  required_scopes: 'requiredScopes',
  session_message: 'sessionMessage',
  session_required_identities: 'sessionRequiredIdentities',
  session_required_single_domain: 'sessionRequiredSingleDomain',
  session_required_policies: 'sessionRequiredPolicies',
  session_required_mfa: 'sessionRequiredMfa',
  prompt: 'prompt',
} as const;

/**
 * The authorization parameters of a Globus Auth requirements error ("GARE"), as Python's
 * `globus_sdk.gare.to_gare` reads them: `{ code, authorization_parameters: {…} }`, or the legacy
 * `{ code: "ConsentRequired", required_scopes: […] }`. Anything else is `null`. Only well-typed
 * fields are kept (lists of strings, strings, a boolean).
 *
 * @param body - A parsed JSON error body.
 * @returns The parameters, or `null` when the body is not a GARE.
 */
export function authorizationParametersOfGare(body: unknown): GlobusAuthorizationParameters | null {
  if (typeof body !== 'object' || body === null) return null;
  const record = body as Record<string, unknown>;
  if (typeof record.code !== 'string') return null;
  const source = record.authorization_parameters;
  if (typeof source === 'object' && source !== null && !Array.isArray(source)) return parameters(source as Record<string, unknown>);
  if (record.code === 'ConsentRequired' && isStringList(record.required_scopes)) return { requiredScopes: record.required_scopes };
  return null;
}

function parameters(source: Record<string, unknown>): GlobusAuthorizationParameters {
  const result: Record<string, unknown> = {};
  for (const [wire, name] of Object.entries(PARAMETER_NAMES)) {
    const value = source[wire];
    if (
      name === 'sessionRequiredMfa'
        ? typeof value === 'boolean'
        : name === 'sessionMessage' || name === 'prompt'
          ? typeof value === 'string'
          : isStringList(value)
    ) {
      result[name] = value;
    }
  }
  return result as GlobusAuthorizationParameters;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
