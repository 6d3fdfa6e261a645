/** A running throw-away PostgreSQL server (see start-postgres-server.mjs). */
export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  url: string;
  dataDir: string;
  /** Stops the server; its data stays for start(). */
  stop(): Promise<void>;
  /** Starts a stopped server again on the same port and data. */
  start(): Promise<void>;
  /** Stops the server and removes its data directory. */
  close(): Promise<void>;
}

/** Initialises and starts a server in a new temporary data directory, on 127.0.0.1. */
export function startPostgresServer(options?: {
  port?: number;
  settings?: Record<string, string>;
  onLog?: (line: string) => void;
}): Promise<PostgresServer>;
