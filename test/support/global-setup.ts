import { startEmbeddedServer, type EmbeddedServer } from '../../shared/local/embedded-server';

declare global {
  var rehearsalTestServer: EmbeddedServer | undefined;
}

/** Starts one real PostgreSQL server for the whole test run; test files create their own databases on it. */
export default async function globalSetup(): Promise<void> {
  const server = await startEmbeddedServer();
  globalThis.rehearsalTestServer = server;
  process.env.REHEARSAL_TEST_PG_URL = server.url();
}
