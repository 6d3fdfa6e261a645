import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { KeychainKeyProvider } from '@globus-tokenstorage/encrypted/node';
import { TempDirs, thrownBy } from './support';

// The provider runs from the built package (`pnpm build`) in child processes, each under its own
// D-Bus session with a real gnome-keyring unlocked by a non-empty password (an empty one leaves
// no default collection). scripts/install-secret-service.sh installs both as root.
const CHILD = join(__dirname, 'fixtures', 'keychain-child.mjs');
const ADVICE = 'install them with `bash scripts/install-secret-service.sh` as root (Debian: apt-get install dbus gnome-keyring)';

interface ChildResult {
  mode: string;
  keyId?: string;
  keyLength?: number;
  keyDigest?: string;
  added?: string;
  inspect?: string;
  error?: { name: string; code: string; message: string };
}

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** Runs the child once per mode, in order, inside one D-Bus session with an unlocked keyring. */
function inKeyringSession(service: string, modes: string[], { unlock = true } = {}): ChildResult[] {
  const runs = modes.map((mode) => `node "${CHILD}" "${service}" ${mode}`).join('; ');
  const start = unlock
    ? 'echo -n "$PW" | gnome-keyring-daemon --unlock --components=secrets >/dev/null'
    : 'gnome-keyring-daemon --start --components=secrets >/dev/null';
  // A home of its own: gnome-keyring keeps its keyring files there, never in the user's.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dirs.make('gts-keyring-home-'), PW: 'keyring-test-password' };
  delete env.XDG_DATA_HOME;
  const output = execFileSync('dbus-run-session', ['--', 'sh', '-c', `${start}; ${runs}`], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ChildResult);
}

describe('KeychainKeyProvider against a real Secret Service (gnome-keyring)', () => {
  beforeAll(() => {
    const missing = ['dbus-run-session', 'gnome-keyring-daemon'].filter((command) => !hasCommand(command));
    if (missing.length > 0) throw new Error(`${missing.join(' and ')} not found: ${ADVICE}`);
  });

  it('creates one 32-byte data key on first use and returns the same key afterwards, in other processes too', () => {
    const [first, again] = inKeyringSession('gts-test-app', ['first-use', 'read']);
    expect(first?.error).toBeUndefined();
    expect(first).toMatchObject({ keyLength: 32, inspect: 'KeyProvider(keychain gts-test-app/data-key)' });
    expect(first?.keyId).toMatch(/^kc-[0-9a-f]{8}$/);
    expect(again).toMatchObject({ keyId: first?.keyId, keyDigest: first?.keyDigest });
  }, 90_000);

  it('addKey makes a new key current and keeps the old one readable', () => {
    const [first, added, later] = inKeyringSession('gts-test-rotate', ['first-use', 'add-key', 'read']);
    expect(added?.added).not.toBe(first?.keyId);
    expect(added?.keyDigest).not.toBe(first?.keyDigest);
    expect(later).toMatchObject({ keyId: added?.added, keyDigest: added?.keyDigest });
  }, 90_000);

  it('a keyring that is not unlocked gives KeyUnavailableError saying what to do', () => {
    const [locked] = inKeyringSession('gts-test-locked', ['first-use'], { unlock: false });
    expect(locked?.error).toMatchObject({ name: 'KeyUnavailableError', code: 'KEY_UNAVAILABLE' });
    expect(locked?.error?.message).toContain('unlocked Secret Service');
  }, 90_000);
});

describe('KeychainKeyProvider without a Secret Service', () => {
  it('no D-Bus session gives KeyUnavailableError saying what to do', () => {
    const env = { ...process.env };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const output = execFileSync(process.execPath, [CHILD, 'gts-test-none', 'read'], { env, encoding: 'utf8', timeout: 60_000 });
    const result = JSON.parse(output.trim()) as ChildResult;
    expect(result.error).toMatchObject({ name: 'KeyUnavailableError', code: 'KEY_UNAVAILABLE' });
    expect(result.error?.message).toContain('Linux needs a running, unlocked Secret Service on the session D-Bus');
  }, 60_000);

  it('refuses bad options, and shows only its service in inspect and JSON', () => {
    expect(thrownBy(() => new KeychainKeyProvider({ service: '' }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => new KeychainKeyProvider({ service: 's', password: 'x' } as never))).toBeInstanceOf(InvalidArgumentError);
    const keys = new KeychainKeyProvider({ service: 'my-app' });
    expect(inspect(keys)).toBe('KeyProvider(keychain my-app/data-key)');
    expect(JSON.stringify(keys)).toBe('{"keyProvider":"keychain my-app/data-key"}');
  });
});
