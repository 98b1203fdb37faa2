import { chmod, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedServer, type EmbeddedServer } from '../../shared/local/embedded-server';

declare global {
  var rehearsalTestServer: EmbeddedServer | undefined;
  var rehearsalTestTmp: string | undefined;
}

/**
 * Gives the test run a temporary folder of its own, as `TMPDIR` for every test worker and process
 * they start (Node's `os.tmpdir()` reads it on each call), which the global teardown removes whole:
 * test files make workspaces, CDK outputs and PostgreSQL data folders there, and left in the system's
 * temporary folder they added up to gigabytes over runs. Mode 0777: as root, the embedded servers run
 * as the `postgres` user, which must reach their data folders inside it.
 * Then starts one real PostgreSQL server for the whole test run; test files create their own databases
 * on it. It allows what a copy of production can hold: logical replication slots and prepared transactions.
 */
export default async function globalSetup(): Promise<void> {
  const runTmp = await mkdtemp(path.join(os.tmpdir(), 'rehearsal-test-run-'));
  await chmod(runTmp, 0o777);
  globalThis.rehearsalTestTmp = runTmp;
  process.env.TMPDIR = runTmp;
  const server = await startEmbeddedServer({ settings: { wal_level: 'logical', max_prepared_transactions: '10' } });
  globalThis.rehearsalTestServer = server;
  process.env.REHEARSAL_TEST_PG_URL = server.url();
}
