import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = join(__dirname, '..', 'src');

describe('the package runs outside Node.js', () => {
  const files = readdirSync(SRC).filter((file) => file.endsWith('.ts'));

  it.each(files)('%s imports no node: module and uses no Buffer', (file) => {
    const source = readFileSync(join(SRC, file), 'utf8');
    expect(source).not.toMatch(/from ['"]node:|require\(['"]node:|\bBuffer\.\w/);
  });

  it('checks every source file', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });
});
