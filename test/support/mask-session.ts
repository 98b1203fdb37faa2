import pg from 'pg';
import { installMaskSchema, useMaskingKey } from '../../shared/anonymize/mask-schema';
import { createDatabase, dropDatabases, uniqueName } from './postgres';

/** A database with the mask schema, on one connection that uses a masking key: see {@link maskSchemaSession}. */
export interface MaskSession {
  /** The connection, open while the describe block's tests run. */
  readonly client: () => pg.Client;
  /** The database's URL. */
  readonly url: () => string;
  /** The value of `SELECT <sql>` on the connection, with `params`. */
  readonly one: <T>(sql: string, params?: unknown[]) => Promise<T>;
}

/**
 * Call inside a describe block: before its tests, creates a database (named from `prefix`), installs
 * the mask schema there and opens a connection using `key`; after them, closes it and drops the
 * database. For tests of the mask schema's SQL functions.
 */
export function maskSchemaSession(prefix: string, key: Buffer): MaskSession {
  const name = uniqueName(prefix);
  let connection: pg.Client | undefined;
  let url = '';
  beforeAll(async () => {
    url = await createDatabase(name);
    connection = new pg.Client(url);
    await connection.connect();
    await installMaskSchema(connection);
    await useMaskingKey(connection, key);
  });
  afterAll(async () => {
    await connection?.end();
    await dropDatabases(name);
  });
  const client = (): pg.Client => {
    if (!connection) throw new Error(`the mask session ${name} is used outside its describe block's tests`);
    return connection;
  };
  return {
    client,
    url: () => url,
    one: async <T>(sql: string, params: unknown[] = []): Promise<T> => (await client().query<{ v: T }>(`SELECT ${sql} AS v`, params)).rows[0]?.v as T,
  };
}
