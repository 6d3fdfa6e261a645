// RedirectLogin's checks of its arguments, and its pending login beside the token keys, on a Storage
// over a Map (the whole redirect runs in Chromium: auth.browser.test.ts).
import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import { RedirectLogin, WebStorageTokenStorage } from '@globus-tokenstorage/web-storage';
import { MapStorage } from './support/map-storage';

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

  it.each([['a relative URL without a page to resolve it against', '/callback?code=x'], ['nothing', undefined], ['a number', 5]])(
    'isCallback and handleCallback refuse %s with InvalidArgumentError, keeping the pending login',
    async (_kind, url) => {
      const area = new MapStorage();
      const { login } = loginOn(area);
      login.start({ requestedScopes: 'openid', redirectUri: CALLBACK });
      expect(() => login.isCallback(url as never)).toThrow(InvalidArgumentError);
      await expect(login.handleCallback(url as never)).rejects.toThrow(InvalidArgumentError);
      expect(area.getItem(RedirectLogin.DEFAULT_FLOW_KEY)).not.toBeNull();
    },
  );

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
});
