import { rm } from 'node:fs/promises';

/** Stops the PostgreSQL server the global setup started, and removes the run's temporary folder with all the test files left in it. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.rehearsalTestServer?.stop();
  if (globalThis.rehearsalTestTmp !== undefined) await rm(globalThis.rehearsalTestTmp, { recursive: true, force: true });
}
