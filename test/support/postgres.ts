import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parseDatabaseUrl, quoteIdent } from '../../shared/db/client';

/** The superuser URL of the test run's PostgreSQL server (started by global-setup.ts). */
export function serverUrl(database = 'postgres'): string {
  const url = process.env.REHEARSAL_TEST_PG_URL;
  if (!url) throw new Error('REHEARSAL_TEST_PG_URL is not set: run the tests through jest, whose global setup starts PostgreSQL');
  return parseDatabaseUrl(url).withDatabase(database);
}

/** A unique database name for one test, so test files never share state. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** Creates an empty database and returns its URL. */
export async function createDatabase(name: string, options = ''): Promise<string> {
  await query(serverUrl(), `CREATE DATABASE ${quoteIdent(name)} ${options}`);
  return serverUrl(name);
}

/** Drops databases, ending their sessions first. */
export async function dropDatabases(...names: string[]): Promise<void> {
  for (const name of names) await query(serverUrl(), `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

/** Runs one statement on a database and returns its rows. */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Names of the databases on the server that start with a prefix. */
export async function databasesStartingWith(prefix: string): Promise<string[]> {
  const rows = await query<{ datname: string }>(serverUrl(), 'SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname', [`${prefix}%`]);
  return rows.map((row) => row.datname);
}
