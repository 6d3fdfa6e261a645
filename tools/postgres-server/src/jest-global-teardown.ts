// jest `globalTeardown`: stops the server of jest-global-setup.ts and removes its data directory.
import type { PostgresServerProcess } from './process';
import { SERVER_KEY } from './jest-global-setup';

export default async function globalTeardown(): Promise<void> {
  const slot = globalThis as Record<symbol, PostgresServerProcess | undefined>;
  const server = slot[SERVER_KEY];
  slot[SERVER_KEY] = undefined;
  await server?.close();
}
