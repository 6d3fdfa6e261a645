import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as core from '@globus-tokenstorage/core';
import { ErrorCodes } from '@globus-tokenstorage/core';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';

/** The READMEs say what the code does: checks of the claims a new user relies on first. */

const PACKAGES = resolve(__dirname, '../../packages');
const readme = (dir: string) => readFileSync(join(PACKAGES, dir, 'README.md'), 'utf8');

describe('package READMEs', () => {
  it('every error code in an errors table exists, and core documents every code', () => {
    const codes = new Set<string>(Object.values(ErrorCodes));
    for (const dir of readdirSync(PACKAGES)) {
      for (const [, code] of readme(dir).matchAll(/^\| `([A-Z_]+)`/gm))
        expect({ dir, code, known: codes.has(code as string) }).toEqual({ dir, code, known: true });
    }
    const documented = new Set([...readme('core').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]));
    expect([...codes].filter((code) => code !== 'TOKEN_STORAGE_ERROR' && !documented.has(code))).toEqual([]);
  });

  it('core documents the constructor and arguments of every validator it exports', () => {
    const text = readme('core');
    const validators = Object.keys(core).filter((name) => name.endsWith('Validator'));
    expect(validators.length).toBeGreaterThanOrEqual(4);
    for (const name of validators)
      expect({ name, documented: new RegExp(`\\| \`new ${name}\\(`).test(text) }).toEqual({ name, documented: true });
    expect(text).toContain('`new ScopeRequirementsValidator(scopeRequirements, consentClient)`');
  });

  it('millisecond options are documented once, in core, and every README that names one links there', () => {
    expect(readme('core')).toMatch(/^### Millisecond options$/m);
    for (const dir of readdirSync(PACKAGES).filter((name) => name !== 'core')) {
      const text = readme(dir);
      const namesOne = /^\| `[a-zA-Z.]*Ms` \|/m.test(text) || /`(lock|busy|section)[A-Za-z]*Ms`/.test(text);
      if (namesOne) expect({ dir, links: text.includes('../core/README.md#millisecond-options') }).toEqual({ dir, links: true });
    }
  });

  it('the sqlite README does not call runExclusive unimplemented: it is implemented', () => {
    expect(typeof new SQLiteTokenStorage('tokens.db').runExclusive).toBe('function');
    expect(readme('sqlite')).not.toMatch(/runExclusive[^.]*not implemented/);
  });

  it('core shows both recipes for the conformance suite: jest and node:test with a small expect adapter', () => {
    const text = readme('core');
    expect(text).toContain("import { describe, it } from 'node:test';");
    expect(text).toMatch(/const expect = \(actual\) => \(\{\n(.*\n){3}\}\);/);
  });
});
