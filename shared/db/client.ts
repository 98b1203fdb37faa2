import pg from 'pg';
import { EnvironmentError } from '../errors';
import { redactUrl } from '../util/redact';
import { certificateHint, withExplicitSslMode } from './ssl-mode';

/** Quotes an SQL identifier (`"my table"`), doubling embedded quotes. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes an SQL string literal. Prefer query parameters; this is for DDL, which takes none. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Describes a connection for messages: host, port and database, never the password. */
export function describeConnection(config: pg.ClientConfig): string {
  if (config.connectionString) return redactUrl(config.connectionString);
  return `postgres://${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? ''}`;
}

/**
 * Opens a client, runs `work`, and always closes it. A failure to connect (a refused certificate, an
 * `sslrootcert` file that cannot be read) becomes an {@link EnvironmentError} naming the server (never
 * the password) and, for a certificate, what to do. A URL's sslmode is read as pg reads it (see ssl-mode.ts).
 */
export async function withClient<T>(config: pg.ClientConfig, work: (client: pg.Client) => Promise<T>): Promise<T> {
  let client: pg.Client;
  try {
    const connectionString = config.connectionString === undefined ? {} : { connectionString: withExplicitSslMode(config.connectionString) };
    client = new pg.Client({ connectionTimeoutMillis: 10_000, ...config, ...connectionString });
    await client.connect();
  } catch (cause) {
    throw new EnvironmentError(`cannot connect to ${describeConnection(config)}: ${(cause as Error).message}${certificateHint(cause)}`, { cause });
  }
  // A connection dropped mid-query would otherwise be an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The parts of a PostgreSQL URL rehearsal compares and rewrites. */
export interface ParsedDatabaseUrl {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** The same URL pointing at another database on the same server. */
  withDatabase(database: string): string;
}

/** Parses a `postgres://` URL. */
export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    database,
    withDatabase(name) {
      const copy = new URL(url);
      copy.pathname = `/${encodeURIComponent(name)}`;
      return copy.toString();
    },
  };
}
