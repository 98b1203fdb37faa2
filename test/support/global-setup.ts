import { startEmbeddedServer, type EmbeddedServer } from '../../shared/local/embedded-server';

declare global {
  var rehearsalTestServer: EmbeddedServer | undefined;
}

/**
 * Starts one real PostgreSQL server for the whole test run; test files create their own databases on it.
 * It allows what a copy of production can hold: logical replication slots and prepared transactions.
 */
export default async function globalSetup(): Promise<void> {
  const server = await startEmbeddedServer({ settings: { wal_level: 'logical', max_prepared_transactions: '10' } });
  globalThis.rehearsalTestServer = server;
  process.env.REHEARSAL_TEST_PG_URL = server.url();
}
