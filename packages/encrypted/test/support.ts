import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentKeyProvider, type KeyProvider } from '@globus-tokenstorage/encrypted';

/** Fixed test keys (32 bytes each, base64). */
export const KEY_A = Buffer.alloc(32, 0xa1).toString('base64');
export const KEY_B = Buffer.alloc(32, 0xb2).toString('base64');

/** A provider holding `KEY_A` under `a` (and more keys given as `id:key` items). */
export function envKeys(value = `a:${KEY_A}`): KeyProvider {
  return new EnvironmentKeyProvider({ variable: 'TEST_KEY', env: { TEST_KEY: value } });
}

/** Temporary directories of one test file. */
export class TempDirs {
  private readonly made: string[] = [];

  make(prefix = 'gts-encrypted-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const dir of this.made.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

export { caught, thrownBy } from '@globus-tokenstorage/test-support/thrown';
