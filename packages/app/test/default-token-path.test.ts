import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { defaultTokenFilePath, slugifyAppName, UserApp } from '@globus-tokenstorage/app';

interface PathCase {
  app_name: string;
  environment: string;
  client_id: string;
  slug?: string;
  path_relative_to_home?: string;
  error?: string;
  message?: string;
}

const fixture = JSON.parse(readFileSync(join(__dirname, '../../../fixtures/python/globus-app-paths.json'), 'utf8')) as {
  cases: PathCase[];
};
const HOME = '/home/someone';
const linux = { platform: 'linux', homedir: HOME, env: {} };

describe("the default token file is the Python SDK's", () => {
  it('holds 141 cases', () => expect(fixture.cases).toHaveLength(141));

  it.each(fixture.cases.map((c) => [JSON.stringify(c.app_name), c.environment, c] as const))('%s in %s', (_name, _environment, c) => {
    const options = { clientId: c.client_id, appName: c.app_name, environment: c.environment };
    if (c.error !== undefined) {
      expect(() => slugifyAppName(c.app_name)).toThrow(InvalidArgumentError);
      expect(() => defaultTokenFilePath(options, linux)).toThrow(c.message as string);
      return;
    }
    expect(slugifyAppName(c.app_name)).toBe(c.slug);
    expect(defaultTokenFilePath(options, linux)).toBe(`${HOME}/${c.path_relative_to_home}.json`);
    expect(defaultTokenFilePath({ ...options, extension: 'db' }, linux)).toBe(`${HOME}/${c.path_relative_to_home}.db`);
  });

  it('lives under LOCALAPPDATA (else APPDATA) on Windows, and refuses when neither is set', () => {
    const options = { clientId: 'c1', appName: 'My App', environment: 'sandbox' };
    expect(
      defaultTokenFilePath(options, {
        platform: 'win32',
        homedir: 'C:\\Users\\x',
        env: { LOCALAPPDATA: 'C:\\Users\\x\\AppData\\Local', APPDATA: 'R' },
      }),
    ).toBe('C:\\Users\\x\\AppData\\Local\\globus\\app\\c1\\my-app\\sandbox-tokens.json');
    expect(defaultTokenFilePath(options, { platform: 'win32', homedir: 'C:\\Users\\x', env: { APPDATA: 'C:\\Roaming' } })).toBe(
      'C:\\Roaming\\globus\\app\\c1\\my-app\\sandbox-tokens.json',
    );
    expect(() => defaultTokenFilePath(options, { platform: 'win32', homedir: 'C:\\Users\\x', env: {} })).toThrow(InvalidArgumentError);
  });

  it('a UserApp refuses the names Python refuses, with a typed error', () => {
    for (const name of ['con', '', '\u0000']) {
      expect(() => new UserApp(name, { clientId: 'c1', scopeRequirements: {}, config: { tokenStorage: 'memory' } })).toThrow(
        InvalidArgumentError,
      );
    }
  });
});
