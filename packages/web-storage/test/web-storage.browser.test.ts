// WebStorageTokenStorage in headless Chromium: the stored format (read by the JSON backend, and the
// Python SDK's file read by it), corrupt values, the storage quota, browsers without Web Locks, and
// several tabs writing and entering sections at once.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import type { BrowserContext, Page } from 'playwright-core';
import { startBrowserSession, type BrowserSession } from './support/browser-session';

const PYTHON_V2_FILE = resolve(__dirname, '../../../fixtures/python/v2.json');

let session: BrowserSession;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  session = await startBrowserSession();
}, 60000);

afterAll(async () => {
  await session?.close();
});

beforeEach(async () => {
  context = await session.newContext();
  page = await session.openPage(context);
});

afterEach(async () => {
  await context?.close();
});

/** What a rejected call in the page rejected with. */
interface Rejection {
  code: string;
  name: string;
  message: string;
}

describe('the stored value', () => {
  it('is a JSON token file (format 2.0) holding the namespace, which JSONTokenStorage reads', async () => {
    const dict = {
      resource_server: 'transfer.api.globus.org',
      identity_id: '11111111-2222-4333-8444-555555555555',
      scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
      access_token: 'AT-web-1',
      refresh_token: 'RT-web-1',
      expires_at_seconds: 2000000000,
      token_type: 'Bearer',
      custom: { kept: true },
    };
    const text = await page.evaluate(async (entry) => {
      const { core, webStorage } = window.testPage;
      const storage = new webStorage.WebStorageTokenStorage({ namespace: 'userapp' });
      await storage.storeTokenDataByResourceServer({ [entry.resource_server]: core.TokenStorageData.fromDict(entry) });
      return localStorage.getItem('globus-tokenstorage:userapp');
    }, dict);
    const parsed = JSON.parse(text ?? 'null') as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['data', 'format_version', 'globus-sdk.version', 'web-storage.revision']);
    expect(parsed.format_version).toBe('2.0');
    expect(parsed['globus-sdk.version']).toMatch(/^@globus-tokenstorage\/web-storage \d+\.\d+\.\d+/);

    const directory = mkdtempSync(join(tmpdir(), 'web-storage-export-'));
    try {
      const file = join(directory, 'tokens.json');
      writeFileSync(file, text ?? '');
      const storage = new JSONTokenStorage(file, { namespace: 'userapp' });
      expect((await storage.getTokenData('transfer.api.globus.org'))?.toDict()).toEqual(dict);
      await storage.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("reads the Python SDK's JSON file pasted under a key, and keeps its other namespaces when writing", async () => {
    const pythonFile = readFileSync(PYTHON_V2_FILE, 'utf8');
    const result = await page.evaluate(async (text) => {
      const { core, webStorage } = window.testPage;
      localStorage.setItem('globus-tokenstorage:DEFAULT', text);
      const storage = new webStorage.WebStorageTokenStorage();
      const before = Object.keys(await storage.getTokenDataByResourceServer());
      const transfer = (await storage.getTokenData('transfer.api.globus.org'))?.accessToken;
      await storage.storeTokenDataByResourceServer({
        'new.example.org': core.TokenStorageData.fromDict({
          resource_server: 'new.example.org',
          scope: 's',
          access_token: 'AT-new',
          expires_at_seconds: 1,
        }),
      });
      const after = JSON.parse(localStorage.getItem('globus-tokenstorage:DEFAULT') ?? 'null') as {
        data: Record<string, Record<string, unknown>>;
      };
      return {
        before,
        transfer,
        namespaces: Object.keys(after.data),
        defaults: Object.keys(after.data.DEFAULT ?? {}),
        userapp: after.data.userapp,
      };
    }, pythonFile);
    const python = JSON.parse(pythonFile) as { data: Record<string, unknown> };
    expect(result.before).toEqual(['auth.globus.org', 'transfer.api.globus.org']);
    expect(result.transfer).toBe('AT-transfer-DEFAULT-0001');
    expect(result.namespaces).toEqual(Object.keys(python.data));
    expect(result.defaults).toEqual(['auth.globus.org', 'transfer.api.globus.org', 'new.example.org']);
    expect(result.userapp).toEqual(python.data.userapp);
  });
});

describe('values that are not token files', () => {
  it.each([
    ['text that is not JSON', '{"data": ', 'TOKEN_FILE_FORMAT', /localStorage\["globus-tokenstorage:DEFAULT"\] is not valid JSON/],
    ['a JSON array', '[1, 2]', 'TOKEN_FILE_FORMAT', /does not hold a JSON object/],
    [
      'an unknown format_version',
      '{"data": {}, "format_version": "3.0", "globus-sdk.version": "x"}',
      'UNSUPPORTED_FORMAT_VERSION',
      /unknown format/,
    ],
    [
      'a namespace that is not an object',
      '{"data": {"DEFAULT": []}, "format_version": "2.0", "globus-sdk.version": "x"}',
      'TOKEN_FILE_FORMAT',
      /namespace 'DEFAULT'/,
    ],
  ])('%s is reported with a typed error naming the key and never overwritten', async (_label, value, code, message) => {
    const result = await page.evaluate(async (corrupt) => {
      const { core, webStorage } = window.testPage;
      localStorage.setItem('globus-tokenstorage:DEFAULT', corrupt);
      const storage = new webStorage.WebStorageTokenStorage();
      const rejection = async (call: () => Promise<unknown>) => {
        try {
          await call();
          return null;
        } catch (error) {
          const { code: errorCode, name, message: text } = error as Rejection;
          return { code: errorCode, name, message: text };
        }
      };
      const data = core.TokenStorageData.fromDict({ resource_server: 'rs', scope: 's', access_token: 'AT-x', expires_at_seconds: 1 });
      return {
        read: await rejection(() => storage.getTokenData('rs')),
        write: await rejection(() => storage.storeTokenDataByResourceServer({ rs: data })),
        remove: await rejection(() => storage.removeTokenData('rs')),
        list: await rejection(() => storage.listNamespaces()),
        value: localStorage.getItem('globus-tokenstorage:DEFAULT'),
      };
    }, value);
    for (const rejection of [result.read, result.write, result.remove, result.list]) {
      expect(rejection?.code).toBe(code);
      expect(rejection?.message).toMatch(message);
    }
    expect(result.value).toBe(value);
  });

  it('an invalid entry fails its own read with InvalidTokenDataError; the others stay usable and it is kept as it was', async () => {
    const result = await page.evaluate(async () => {
      const { core, webStorage } = window.testPage;
      const bad = { resource_server: 'bad', scope: 42, access_token: 'AT-bad', expires_at_seconds: 1 };
      const good = { resource_server: 'good', scope: 's', access_token: 'AT-good', expires_at_seconds: 1 };
      localStorage.setItem(
        'globus-tokenstorage:DEFAULT',
        JSON.stringify({ data: { DEFAULT: { bad, good } }, format_version: '2.0', 'globus-sdk.version': 'x' }),
      );
      const storage = new webStorage.WebStorageTokenStorage();
      let failure: Rejection | null = null;
      try {
        await storage.getTokenData('bad');
      } catch (error) {
        failure = { code: (error as Rejection).code, name: '', message: (error as Rejection).message };
      }
      const readGood = (await storage.getTokenData('good'))?.accessToken;
      await storage.storeTokenDataByResourceServer({ other: core.TokenStorageData.fromDict({ ...good, resource_server: 'other' }) });
      const stored = JSON.parse(localStorage.getItem('globus-tokenstorage:DEFAULT') ?? 'null') as {
        data: { DEFAULT: Record<string, unknown> };
      };
      return { failure, readGood, keptBad: stored.data.DEFAULT.bad, keys: Object.keys(stored.data.DEFAULT) };
    });
    expect(result.failure?.code).toBe('INVALID_TOKEN_DATA');
    expect(result.failure?.message).toMatch(
      /the entry 'bad' of namespace 'DEFAULT' in localStorage\["globus-tokenstorage:DEFAULT"\] is invalid: 'scope' must be a string/,
    );
    expect(result.failure?.message).not.toContain('AT-bad');
    expect(result.readGood).toBe('AT-good');
    expect(result.keptBad).toEqual({ resource_server: 'bad', scope: 42, access_token: 'AT-bad', expires_at_seconds: 1 });
    expect(result.keys).toEqual(['bad', 'good', 'other']);
  });
});

it('a write beyond the storage quota throws StorageQuotaExceededError and changes nothing', async () => {
  const result = await page.evaluate(async () => {
    const { core, webStorage } = window.testPage;
    const storage = new webStorage.WebStorageTokenStorage();
    const entry = (resourceServer: string, extra: Record<string, unknown> = {}) =>
      core.TokenStorageData.fromDict({
        resource_server: resourceServer,
        scope: 's',
        access_token: `AT-${resourceServer}`,
        expires_at_seconds: 1,
        ...extra,
      });
    await storage.storeTokenDataByResourceServer({ kept: entry('kept') });
    const before = localStorage.getItem('globus-tokenstorage:DEFAULT');
    let failure: { code: string; message: string; resource: unknown } | null = null;
    try {
      await storage.storeTokenDataByResourceServer({ huge: entry('huge', { blob: 'x'.repeat(12 * 1024 * 1024) }) });
    } catch (error) {
      failure = {
        code: (error as Rejection).code,
        message: (error as Rejection).message,
        resource: (error as { resource?: unknown }).resource,
      };
    }
    return {
      failure,
      unchanged: localStorage.getItem('globus-tokenstorage:DEFAULT') === before,
      keys: Object.keys(await storage.getTokenDataByResourceServer()),
      afterwards: await storage.storeTokenDataByResourceServer({ small: entry('small') }).then(() => 'stored'),
    };
  });
  expect(result.failure).toEqual({
    code: 'STORAGE_QUOTA_EXCEEDED',
    message: expect.stringMatching(/quota is exceeded; nothing was changed/),
    resource: 'localStorage["globus-tokenstorage:DEFAULT"]',
  });
  expect(result.unchanged).toBe(true);
  expect(result.keys).toEqual(['kept']);
  expect(result.afterwards).toBe('stored');
});

it('without the Web Locks API runExclusive is absent, so StorageBackedAuthorizer refuses the storage', async () => {
  const result = await page.evaluate(async () => {
    const { authorizers, core, webStorage } = window.testPage;
    Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true });
    const storage = new webStorage.WebStorageTokenStorage();
    let refusal = '';
    try {
      // @ts-expect-error the types refuse it too: a WebStorageTokenStorage may lack runExclusive
      new authorizers.StorageBackedAuthorizer(storage, 'rs', new authorizers.NativeAppAuthClient('client'));
    } catch (error) {
      refusal = (error as Rejection).code;
    }
    await storage.storeTokenDataByResourceServer({
      rs: core.TokenStorageData.fromDict({ resource_server: 'rs', scope: 's', access_token: 'AT-rs', expires_at_seconds: 1 }),
    });
    return { hasMethod: 'runExclusive' in storage, refusal, stored: (await storage.getTokenData('rs'))?.accessToken };
  });
  expect(result).toEqual({ hasMethod: false, refusal: 'INVALID_ARGUMENT', stored: 'AT-rs' });
});

it('a sectionTimeoutMs of 0 takes only a free section, and Infinity waits with no limit', async () => {
  const result = await page.evaluate(async () => {
    const { webStorage } = window.testPage;
    const section = (sectionTimeoutMs: number) => {
      const storage = new webStorage.WebStorageTokenStorage({ sectionTimeoutMs });
      return (fn: () => Promise<string>) => (storage.runExclusive as NonNullable<typeof storage.runExclusive>)('user/rs', fn);
    };
    const freeWithZero = await section(0)(async () => 'entered');
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const holding = new Promise<void>((resolve) => (entered = resolve));
    const holder = section(60_000)(async () => {
      entered();
      await released;
      return 'holder';
    });
    await holding;
    const takenWithZero = await section(0)(async () => 'entered').catch((error: Rejection) => error.code);
    const patient = section(Infinity)(async () => 'entered');
    const early = await Promise.race([patient, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 200))]);
    release();
    return { freeWithZero, takenWithZero, early, patient: await patient, holder: await holder };
  });
  expect(result).toEqual({
    freeWithZero: 'entered',
    takenWithZero: 'STORAGE_LOCK_TIMEOUT',
    early: 'still waiting',
    patient: 'entered',
    holder: 'holder',
  });
});

it('lockTimeoutMs bounds the wait of a write, sectionTimeoutMs that of runExclusive', async () => {
  const result = await page.evaluate(async () => {
    const { core, webStorage } = window.testPage;
    const entry = {
      rs: core.TokenStorageData.fromDict({ resource_server: 'rs', scope: 's', access_token: 'AT-rs', expires_at_seconds: 1 }),
    };
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held: Array<Promise<unknown>> = [];
    const hold = (name: string) => new Promise<void>((entered) => held.push(navigator.locks.request(name, () => (entered(), released))));
    await hold('globus-tokenstorage:write:DEFAULT');
    await hold('globus-tokenstorage:lock:user/rs');
    const impatientWriter = new webStorage.WebStorageTokenStorage({ lockTimeoutMs: 0, sectionTimeoutMs: 60_000 });
    const impatientSection = new webStorage.WebStorageTokenStorage({ lockTimeoutMs: 60_000, sectionTimeoutMs: 0 });
    const code = (error: Rejection) => error.code;
    const write = await impatientWriter.storeTokenDataByResourceServer(entry).then(() => 'written', code);
    const section = await (impatientSection.runExclusive as NonNullable<typeof impatientSection.runExclusive>)(
      'user/rs',
      async () => 'entered',
    ).catch(code);
    const patientWrite = impatientSection.storeTokenDataByResourceServer(entry).then(() => 'written', code);
    const early = await Promise.race([patientWrite, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 200))]);
    release();
    await Promise.all(held);
    return { write, section, early, patientWrite: await patientWrite };
  });
  expect(result).toEqual({
    write: 'STORAGE_LOCK_TIMEOUT',
    section: 'STORAGE_LOCK_TIMEOUT',
    early: 'still waiting',
    patientWrite: 'written',
  });
});

describe('several tabs of one origin', () => {
  let second: Page;

  beforeEach(async () => {
    second = await session.openPage(context);
  });

  it('writing different entries of one namespace at the same time lose none of them', async () => {
    const write = async (tab: string) => {
      const { core, webStorage } = window.testPage;
      const storage = new webStorage.WebStorageTokenStorage();
      for (let index = 0; index < 25; index += 1) {
        const key = `${tab}-${index}`;
        await storage.storeTokenDataByResourceServer({
          [key]: core.TokenStorageData.fromDict({ resource_server: key, scope: 's', access_token: `AT-${key}`, expires_at_seconds: 1 }),
        });
        if (index % 5 === 4) await storage.removeTokenData(`${tab}-${index - 1}`);
      }
    };
    await Promise.all([page.evaluate(write, 'first'), second.evaluate(write, 'second')]);
    const keys = await second.evaluate(async () =>
      Object.keys(await new window.testPage.webStorage.WebStorageTokenStorage().getTokenDataByResourceServer()),
    );
    const expected = ['first', 'second'].flatMap((tab) =>
      Array.from({ length: 25 }, (_, index) => `${tab}-${index}`).filter((_, index) => index % 5 !== 3),
    );
    expect(keys.sort()).toEqual(expected.sort());
  });

  it('runExclusive admits one tab at a time, and inside it a tab reads what the previous holder wrote', async () => {
    const increment = async () => {
      const { core, webStorage } = window.testPage;
      const storage = new webStorage.WebStorageTokenStorage();
      for (let round = 0; round < 15; round += 1) {
        await storage.runExclusive?.('DEFAULT/counter', async () => {
          const count = ((await storage.getTokenData('counter'))?.extra.count as number | undefined) ?? 0;
          await new Promise((resolve) => setTimeout(resolve, 1));
          await storage.storeTokenDataByResourceServer({
            counter: core.TokenStorageData.fromDict({
              resource_server: 'counter',
              scope: 's',
              access_token: 'AT-c',
              expires_at_seconds: 1,
              count: count + 1,
            }),
          });
        });
      }
    };
    await Promise.all([page.evaluate(increment), second.evaluate(increment)]);
    const count = await page.evaluate(
      async () => (await new window.testPage.webStorage.WebStorageTokenStorage().getTokenData('counter'))?.extra.count,
    );
    expect(count).toBe(30);
  });

  it('sessionStorage keeps each tab its own tokens', async () => {
    const store = async (tab: string) => {
      const { core, webStorage } = window.testPage;
      const storage = new webStorage.WebStorageTokenStorage({ storage: sessionStorage });
      await storage.storeTokenDataByResourceServer({
        rs: core.TokenStorageData.fromDict({ resource_server: 'rs', scope: 's', access_token: `AT-${tab}`, expires_at_seconds: 1 }),
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      return (await storage.getTokenData('rs'))?.accessToken;
    };
    expect(await Promise.all([page.evaluate(store, 'first'), second.evaluate(store, 'second')])).toEqual(['AT-first', 'AT-second']);
  });
});
