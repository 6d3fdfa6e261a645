import { InvalidArgumentError } from '@globus-tokenstorage/core';

/**
 * The Globus environment of an app: the configured one, else `GLOBUS_SDK_ENVIRONMENT`, else
 * `production` (as Python).
 *
 * @throws {@link InvalidArgumentError} for an empty or non-string name, or one that could not be
 *   part of a host name.
 */
export function resolveEnvironment(configured: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const environment = configured ?? (env.GLOBUS_SDK_ENVIRONMENT || 'production');
  if (typeof environment !== 'string' || !/^[a-z0-9-]+$/i.test(environment)) {
    throw new InvalidArgumentError("'environment' must be a Globus environment name such as 'production' or 'sandbox'");
  }
  return environment;
}

/**
 * The Globus Auth of an environment, as Python's `config.get_service_url("auth", environment)`:
 * `https://auth.globus.org`, `https://auth.preview.globus.org`, else `https://auth.<env>.globuscs.info`.
 */
export function authBaseUrlOf(environment: string): string {
  if (environment === 'production') return 'https://auth.globus.org';
  if (environment === 'preview') return 'https://auth.preview.globus.org';
  return `https://auth.${environment}.globuscs.info`;
}
