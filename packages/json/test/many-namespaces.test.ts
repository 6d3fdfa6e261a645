import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenStorageData } from '@globus-tokenstorage/core';
import { toPythonJSON } from '@globus-tokenstorage/core/backend';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { temporaryDirectory, WRITER } from './support';

/**
 * Files of many namespaces are encoded in runs of namespaces that are reused while unchanged: each
 * write must still produce exactly the bytes of encoding the whole content afresh.
 */

const entry = (resourceServer: string, generation: number) =>
  new TokenStorageData({
    resourceServer,
    identityId: null,
    scope: `scope-of-${resourceServer}`,
    accessToken: `AT-${generation}`,
    refreshToken: null,
    expiresAtSeconds: 2_000_000_000 + generation,
    tokenType: 'Bearer',
  });

/** The file as the Python SDK would write it: `data` holds namespace → resource server → entry dict. */
function pythonText(data: Record<string, Record<string, TokenStorageData>>, version: string): string {
  const plain = Object.fromEntries(
    Object.entries(data).map(([namespace, entries]) => [
      namespace,
      Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, value.toDict()])),
    ]),
  );
  return toPythonJSON({ data: plain, format_version: '2.0', 'globus-sdk.version': version });
}

let temp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  temp = temporaryDirectory('gts-json-many-');
});
afterEach(() => temp.remove());

it('each store into a file of 200 namespaces writes exactly the bytes of the whole content encoded afresh', async () => {
  const file = join(temp.dir, 'tokens.json');
  const data: Record<string, Record<string, TokenStorageData>> = {};
  for (let index = 0; index < 200; index += 1) data[`ns-${index}`] = { 'rs.example.org': entry('rs.example.org', 0) };
  writeFileSync(file, pythonText(data, '4.9.0'));
  const handles = new Map<string, JSONTokenStorage>();
  const handle = (namespace: string) =>
    handles.get(namespace) ?? handles.set(namespace, new JSONTokenStorage(file, { namespace })).get(namespace)!;

  // First and last namespace of a run, a middle one, the last one, a new one (appended), again the
  // first (through another handle, which must re-read what the others wrote).
  let generation = 0;
  for (const namespace of ['ns-63', 'ns-64', 'ns-100', 'ns-199', 'ns-200', 'ns-0', 'ns-100']) {
    generation += 1;
    const stored = {
      'rs.example.org': entry('rs.example.org', generation),
      [`other-${generation}`]: entry(`other-${generation}`, generation),
    };
    await handle(namespace).storeTokenDataByResourceServer(stored);
    data[namespace] = { ...data[namespace], ...stored };
    expect(readFileSync(file, 'utf8')).toBe(pythonText(data, WRITER));
  }
  expect(await handle('ns-64').getTokenData(`other-2`)).toEqual(entry('other-2', 2));
});

it("a store after another program rewrote the file keeps that program's content, in its order", async () => {
  const file = join(temp.dir, 'tokens.json');
  const data: Record<string, Record<string, TokenStorageData>> = {};
  for (let index = 0; index < 150; index += 1) data[`ns-${index}`] = { rs: entry('rs', 0) };
  writeFileSync(file, pythonText(data, '4.9.0'));
  const storage = new JSONTokenStorage(file, { namespace: 'ns-10' });
  await storage.storeTokenDataByResourceServer({ rs: entry('rs', 1) });
  data['ns-10'] = { rs: entry('rs', 1) };

  // Another program swaps two namespaces and changes a third: runs built before must not be reused.
  const rewritten: typeof data = {};
  for (const [namespace, entries] of Object.entries(data)) {
    if (namespace === 'ns-70') rewritten['ns-71'] = data['ns-71'] as Record<string, TokenStorageData>;
    else if (namespace === 'ns-71') rewritten['ns-70'] = data['ns-70'] as Record<string, TokenStorageData>;
    else rewritten[namespace] = entries;
  }
  rewritten['ns-120'] = { rs: entry('rs', 7) };
  writeFileSync(file, pythonText(rewritten, 'other'));

  await storage.storeTokenDataByResourceServer({ rs: entry('rs', 2) });
  rewritten['ns-10'] = { rs: entry('rs', 2) };
  expect(readFileSync(file, 'utf8')).toBe(pythonText(rewritten, WRITER));
});
