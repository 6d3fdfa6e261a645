// What an app derives from its configuration, and how it reads Globus Auth requirements errors.
import { authorizationParametersOfGare, ClientApp, UserApp } from '@globus-tokenstorage/app';

const app = (config: ConstructorParameters<typeof UserApp>[1]['config']) =>
  new UserApp('My App', { clientId: 'c1', scopeRequirements: {}, config: { tokenStorage: 'memory', ...config } });

describe('an app', () => {
  const saved = process.env.GLOBUS_SDK_ENVIRONMENT;
  afterEach(() => {
    if (saved === undefined) delete process.env.GLOBUS_SDK_ENVIRONMENT;
    else process.env.GLOBUS_SDK_ENVIRONMENT = saved;
  });

  it("takes its environment from the config, else GLOBUS_SDK_ENVIRONMENT, else production, and Globus Auth's URL from it", () => {
    delete process.env.GLOBUS_SDK_ENVIRONMENT;
    expect([app({}).environment, app({}).authBaseUrl]).toEqual(['production', 'https://auth.globus.org']);
    process.env.GLOBUS_SDK_ENVIRONMENT = 'sandbox';
    expect([app({}).environment, app({}).authBaseUrl]).toEqual(['sandbox', 'https://auth.sandbox.globuscs.info']);
    expect(app({ environment: 'preview' }).authBaseUrl).toBe('https://auth.preview.globus.org');
    expect(app({ environment: 'test', authBaseUrl: 'http://127.0.0.1:9999' }).loginClient.baseUrl).toBe('http://127.0.0.1:9999');
  });

  it("requires openid on the auth server's resource server (UserApp only) and uses the namespace given", () => {
    const user = app({ namespace: 'team', authResourceServer: 'auth.local' });
    expect(user.namespace).toBe('team');
    expect(Object.fromEntries(Object.entries(user.scopeRequirements).map(([rs, scopes]) => [rs, scopes.map(String)]))).toEqual({
      'auth.local': ['openid'],
    });
    const client = new ClientApp('Service', {
      clientId: 'c1',
      clientSecret: 's',
      scopeRequirements: { rs: 'urn:x:all' },
      config: { tokenStorage: 'memory' },
    });
    expect(Object.keys(client.scopeRequirements)).toEqual(['rs']);
  });
});

describe('authorizationParametersOfGare', () => {
  it('reads authorization_parameters, keeping only well-typed fields', () => {
    expect(
      authorizationParametersOfGare({
        code: 'AuthorizationRequired',
        authorization_parameters: {
          session_message: 'm',
          session_required_mfa: true,
          session_required_identities: ['a'],
          required_scopes: ['s'],
          prompt: 'login',
          session_required_policies: 'p',
        },
      }),
    ).toEqual({ sessionMessage: 'm', sessionRequiredMfa: true, sessionRequiredIdentities: ['a'], requiredScopes: ['s'], prompt: 'login' });
  });

  it('reads the legacy ConsentRequired shape, and answers null for what is not a GARE', () => {
    expect(authorizationParametersOfGare({ code: 'ConsentRequired', required_scopes: ['s'] })).toEqual({ requiredScopes: ['s'] });
    for (const body of [
      null,
      'x',
      {},
      { code: 'Forbidden' },
      { authorization_parameters: {} },
      { code: 'ConsentRequired', required_scopes: [1] },
    ]) {
      expect(authorizationParametersOfGare(body)).toBeNull();
    }
  });
});
