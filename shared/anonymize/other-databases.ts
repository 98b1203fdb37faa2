import type { ClientConfig } from 'pg';
import { parseDatabaseUrl, quoteIdent, withClient } from '../db/client';
import { CheckFailedError } from '../errors';

/**
 * An RDS or Aurora snapshot holds every database of production's server, not only the one rehearsal
 * masks, and the candidate restored from it serves them all: after promote, any role allowed to
 * connect (PUBLIC may, by default) would read production's data, unmasked, on staging. So on a
 * candidate that is a whole server, anonymize first drops every other database: all but the masked
 * one, the templates, RDS's own `rdsadmin`, and `postgres`, which is kept (tools connect to it) but
 * must hold no table of its own. Only a database's owner may drop it.
 */

/** Databases a restored server keeps whatever they hold, besides templates: RDS's own. */
const KEPT = ['rdsadmin'];
/** The maintenance database: kept, but refused when it holds tables (it would carry production's rows). */
const MAINTENANCE = 'postgres';

/** The candidate server still holds another database's production data that rehearsal may not remove. */
export class UnmaskedDatabasesError extends CheckFailedError {
  constructor(readonly databases: readonly string[], problems: readonly string[]) {
    super(`the candidate server holds data copied from production outside the masked database, which staging would serve unmasked; nothing was dropped:\n${problems.join('\n')}`);
  }
}

/**
 * Drops every other database of the candidate's server (see above) and returns their names. Throws
 * {@link UnmaskedDatabasesError}, dropping nothing, when the connected role does not own one of them or
 * `postgres` holds tables (or materialized views) outside the system schemas and extensions.
 * `connection` must be the candidate's: the caller's provider guarantees it is never production.
 */
export async function removeOtherDatabases(connection: ClientConfig): Promise<string[]> {
  const { current, others } = await withClient(connection, async (client) => {
    const { rows } = await client.query<{ name: string; owner: string; owns: boolean }>(
      `SELECT datname AS name, pg_get_userbyid(datdba) AS owner, pg_has_role(current_user, datdba, 'USAGE') AS owns
         FROM pg_database WHERE datname <> current_database() AND NOT datistemplate AND datname <> ALL ($1::text[]) ORDER BY datname`,
      [KEPT],
    );
    const { rows: [self] } = await client.query<{ current: string }>('SELECT current_database() AS current');
    return { current: self?.current ?? '', others: rows };
  });
  const problems: string[] = [];
  const blocked: string[] = [];
  for (const other of others.filter((database) => database.name !== MAINTENANCE && !database.owns)) {
    blocked.push(other.name);
    problems.push(`database ${other.name}: owned by ${other.owner}, and only its owner can drop it; connect the masking as that owner (or a member of its role), or drop ${other.name} from production's server`);
  }
  if (current !== MAINTENANCE && others.some((database) => database.name === MAINTENANCE)) {
    const tables = await withClient(onDatabase(connection, MAINTENANCE), async (client) => (await client.query<{ name: string }>(
      `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1 LIMIT 11`)).rows.map((row) => row.name));
    if (tables.length > 0) {
      blocked.push(MAINTENANCE);
      problems.push(`database ${MAINTENANCE}: holds tables (${tables.slice(0, 10).join(', ')}${tables.length > 10 ? ', …' : ''}) that no rule masks; it is kept on every server, so move them out of ${MAINTENANCE} on production, or mask that database instead`);
    }
  }
  if (problems.length > 0) throw new UnmaskedDatabasesError(blocked, problems);
  const dropped = others.filter((database) => database.name !== MAINTENANCE).map((database) => database.name);
  await withClient(connection, async (client) => {
    for (const name of dropped) await client.query(`DROP DATABASE ${quoteIdent(name)} WITH (FORCE)`);
  });
  return dropped;
}

/** The same connection settings, for another database of the server. */
function onDatabase(connection: ClientConfig, database: string): ClientConfig {
  return connection.connectionString === undefined
    ? { ...connection, database }
    : { ...connection, connectionString: parseDatabaseUrl(connection.connectionString).withDatabase(database) };
}
