/** Stops the PostgreSQL server the global setup started. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.rehearsalTestServer?.stop();
}
