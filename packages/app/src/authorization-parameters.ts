/**
 * What one login asks the authorization server for, beyond the app's own scopes: Python's
 * `GlobusAuthorizationParameters`. A 403 carrying Globus Auth requirements (a "GARE") is turned into
 * one of these.
 */
export interface GlobusAuthorizationParameters {
  /** Scopes to request; the app adds its own scope requirements. @default none */
  readonly requiredScopes?: readonly string[];
  /** A message shown to the user on the login page (`session_message`). @default none */
  readonly sessionMessage?: string;
  /** Identity IDs or usernames, one of which must be in the session (`session_required_identities`). @default none */
  readonly sessionRequiredIdentities?: readonly string[];
  /** Domains, one of which the session must hold an identity of (`session_required_single_domain`). @default none */
  readonly sessionRequiredSingleDomain?: readonly string[];
  /** Authentication policy IDs the session must satisfy (`session_required_policies`). @default none */
  readonly sessionRequiredPolicies?: readonly string[];
  /** Whether the session must have used multi-factor authentication (`session_required_mfa`). @default none */
  readonly sessionRequiredMfa?: boolean;
  /** `prompt` of the authorize request, e.g. `"login"` to force a fresh authentication. @default none */
  readonly prompt?: string;
}
