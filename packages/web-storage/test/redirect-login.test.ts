// RedirectLogin's checks of its arguments, and its pending login beside the token keys, on a Storage
// over a Map (the whole redirect runs in Chromium: auth.browser.test.ts).
import { InvalidArgumentError, LoginCallbackError } from '@globus-tokenstorage/core';
import { NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import { RedirectLogin, WebStorageTokenStorage } from '@globus-tokenstorage/web-storage';
import { MapStorage } from '@globus-tokenstorage/test-support/map-storage';

const CALLBACK = 'https://app.example.org/callback';

function loginOn(area: MapStorage) {
  const storage = new WebStorageTokenStorage({ storage: area });
  const login = new RedirectLogin({ client: new NativeAppAuthClient('client-id'), storage, flowStorage: area });
  return { storage, login };
}

describe('RedirectLogin', () => {
  it('keeps the pending login outside the token keys, so listNamespaces and every namespace still work', async () => {
    const area = new MapStorage();
    const { storage, login } = loginOn(area);
    login.start({ requestedScopes: 'openid', redirectUri: CALLBACK });
    expect(area.getItem(RedirectLogin.DEFAULT_FLOW_KEY)).not.toBeNull();
    await expect(storage.listNamespaces()).resolves.toEqual([]);
    await expect(new WebStorageTokenStorage({ storage: area, namespace: 'login' }).getTokenDataByResourceServer()).resolves.toEqual({});
  });

  it('refuses a start without redirectUri instead of sending the browser to the copy-this-code page', () => {
    const { login } = loginOn(new MapStorage());
    expect(() => login.start({ requestedScopes: 'openid' } as never)).toThrow(InvalidArgumentError);
    expect(() => login.start({ requestedScopes: 'openid', redirectUri: '' })).toThrow("'redirectUri' is required");
  });

  it.each([
    ['a relative URL without a page to resolve it against', '/callback?code=x'],
    ['nothing', undefined],
    ['a number', 5],
  ])('isCallback and handleCallback refuse %s with InvalidArgumentError, keeping the pending login', async (_kind, url) => {
    const area = new MapStorage();
    const { login } = loginOn(area);
    login.start({ requestedScopes: 'openid', redirectUri: CALLBACK });
    expect(() => login.isCallback(url as never)).toThrow(InvalidArgumentError);
    await expect(login.handleCallback(url as never)).rejects.toThrow(InvalidArgumentError);
    expect(area.getItem(RedirectLogin.DEFAULT_FLOW_KEY)).not.toBeNull();
  });

  it('resolves a relative URL against the page address', () => {
    const { login } = loginOn(new MapStorage());
    login.start({ requestedScopes: 'openid', redirectUri: CALLBACK });
    const globals = globalThis as { location?: { href: string } };
    globals.location = { href: `${CALLBACK}?code=abc&state=s` };
    try {
      expect(login.isCallback('?code=abc&state=s')).toBe(true);
      expect(login.isCallback('/elsewhere')).toBe(false);
    } finally {
      delete globals.location;
    }
  });

  it.each([
    ['another path of the origin', 'https://app.example.org/settings?code=c&state=s'],
    ['the path with a trailing slash', 'https://app.example.org/callback/?code=c&state=s'],
    ['another origin with the same path', 'https://evil.example.org/callback?code=c&state=s'],
    ['another scheme', 'http://app.example.org/callback?code=c&state=s'],
  ])('isCallback is false for %s, and handleCallback refuses it keeping the pending login', async (_kind, url) => {
    const area = new MapStorage();
    const { login } = loginOn(area);
    login.start({ requestedScopes: 'openid', redirectUri: CALLBACK });
    const pending = area.getItem(RedirectLogin.DEFAULT_FLOW_KEY);
    expect(login.isCallback(url)).toBe(false);
    expect(login.isCallback(`${CALLBACK}?code=c&state=s`)).toBe(true);
    expect(login.isCallback(`${CALLBACK}?error=access_denied&state=s`)).toBe(true);
    const error = await login.handleCallback(url).catch((thrown: unknown) => thrown);
    expect(LoginCallbackError.isInstance(error) && [error.reason, error.message.includes('state=s')]).toEqual(['not_redirect_uri', false]);
    expect(area.getItem(RedirectLogin.DEFAULT_FLOW_KEY)).toBe(pending);
  });

  it('a redirect with another state is refused with state_mismatch and leaves the pending login, which the right state then ends', async () => {
    const area = new MapStorage();
    const { login } = loginOn(area);
    const state = new URL(login.start({ requestedScopes: 'openid', redirectUri: CALLBACK })).searchParams.get('state');
    const reasonOf = (url: string) =>
      login.handleCallback(url).then(
        () => 'completed',
        (error: unknown) => (LoginCallbackError.isInstance(error) ? error.reason : String(error)),
      );
    expect(await reasonOf(`${CALLBACK}?code=forged&state=someone-elses`)).toBe('state_mismatch');
    expect(await reasonOf(`${CALLBACK}?code=forged&state=someone-elses`)).toBe('state_mismatch');
    expect(login.isCallback(`${CALLBACK}?code=c&state=${state}`)).toBe(true);
    // The right state ends the login, whatever the outcome (here the server's error): no replay.
    expect(await reasonOf(`${CALLBACK}?error=access_denied&state=${state}`)).toBe('access_denied');
    expect(area.getItem(RedirectLogin.DEFAULT_FLOW_KEY)).toBeNull();
    expect(await reasonOf(`${CALLBACK}?error=access_denied&state=${state}`)).toBe('no_login_started');
  });
});
