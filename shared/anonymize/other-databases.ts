import type pg from 'pg';
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
/** The maintenance database: kept, but refused when it holds tables or large objects (it would carry production's data). */
const MAINTENANCE = 'postgres';

/** The candidate server still holds another database's production data that rehearsal may not remove. */
export class UnmaskedDatabasesError extends CheckFailedError {
  constructor(readonly databases: readonly string[], problems: readonly string[]) {
    super(`the candidate server holds data copied from production outside the masked database, which staging would serve unmasked; nothing was dropped:\n${problems.join('\n')}`);
  }
}

/** What {@link removeOtherDatabases} removed. */
export interface RemovedData {
  /** The other databases dropped. */
  readonly databases: readonly string[];
  /** What of `postgres` was dropped under `postgresTables: drop`: tables and materialized views (`schema.name`), large objects by owner. */
  readonly postgresTables: readonly string[];
}

/** What `postgres` holds that was copied from production: a table, a materialized view, one owner's large objects. */
interface MaintenanceData {
  /** `public.crm_export`, or `large objects of app (3)`. */
  readonly name: string;
  /** The statement that removes it. */
  readonly drop: string;
  /** Whether this role owns it (or is a member of its owner's role). */
  readonly owns: boolean;
}

/**
 * Drops every other database of the candidate's server (see above) and, under `postgresTables: drop`,
 * the tables of `postgres`; returns what it dropped. Throws {@link UnmaskedDatabasesError}, dropping
 * nothing, when the connected role does not own one of them, or when `postgres` holds tables (or
 * materialized views) outside the system schemas and extensions and `postgresTables` is not `drop`.
 * `connection` must be the candidate's: the caller's provider guarantees it is never production.
 */
export async function removeOtherDatabases(connection: ClientConfig, options: { postgresTables?: 'refuse' | 'drop' } = {}): Promise<RemovedData> {
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
  const maintenance = current !== MAINTENANCE && others.some((database) => database.name === MAINTENANCE)
    ? await withClient(onDatabase(connection, MAINTENANCE), maintenanceRelations) : [];
  const listed = (relations: readonly MaintenanceData[]): string => `${relations.slice(0, 10).map((relation) => relation.name).join(', ')}${relations.length > 10 ? ', …' : ''}`;
  if (maintenance.length > 0 && options.postgresTables !== 'drop') {
    blocked.push(MAINTENANCE);
    problems.push(`database ${MAINTENANCE}: holds tables or files (${listed(maintenance)}) that no rule masks; it is kept on every server, so set postgresTables: drop in the rules to drop them from the copy, move them out of ${MAINTENANCE} on production, or mask that database instead`);
  }
  const foreign = maintenance.filter((relation) => !relation.owns);
  if (foreign.length > 0 && options.postgresTables === 'drop') {
    blocked.push(MAINTENANCE);
    problems.push(`database ${MAINTENANCE}: postgresTables: drop, but only their owners can drop ${listed(foreign)}; connect the masking as their owner (or a member of its role)`);
  }
  if (problems.length > 0) throw new UnmaskedDatabasesError(blocked, problems);
  const dropped = others.filter((database) => database.name !== MAINTENANCE).map((database) => database.name);
  await withClient(connection, async (client) => {
    for (const name of dropped) await client.query(`DROP DATABASE ${quoteIdent(name)} WITH (FORCE)`);
  });
  if (maintenance.length > 0) {
    // One transaction: CASCADE takes the views over them along, and the statistics go with the tables.
    await withClient(onDatabase(connection, MAINTENANCE), async (client) => {
      await client.query('BEGIN');
      for (const data of maintenance) await client.query(data.drop);
      await client.query('COMMIT');
    });
  }
  return { databases: dropped, postgresTables: maintenance.map((relation) => relation.name) };
}

/**
 * The tables and materialized views of the maintenance database outside the system schemas and
 * extensions, then its large objects (files), by owner. Dropped with CASCADE (the views over a table go
 * with it; IF EXISTS, as an earlier drop may have taken a child along).
 */
async function maintenanceRelations(client: pg.Client): Promise<MaintenanceData[]> {
  const { rows } = await client.query<{ name: string; sql: string; view: boolean; owns: boolean }>(
    `SELECT n.nspname || '.' || c.relname AS name, format('%I.%I', n.nspname, c.relname) AS sql, c.relkind = 'm' AS view,
            pg_has_role(current_user, c.relowner, 'USAGE') AS owns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1`);
  const { rows: files } = await client.query<{ owner: string; owner_id: string; count: string; owns: boolean }>(
    `SELECT pg_get_userbyid(lomowner) AS owner, lomowner::text AS owner_id, count(*) AS count, pg_has_role(current_user, lomowner, 'USAGE') AS owns
       FROM pg_largeobject_metadata GROUP BY lomowner ORDER BY 1`);
  return [
    ...rows.map((row) => ({ name: row.name, drop: `DROP ${row.view ? 'MATERIALIZED VIEW' : 'TABLE'} IF EXISTS ${row.sql} CASCADE`, owns: row.owns })),
    ...files.map((group) => ({
      name: `large objects of ${group.owner} (${group.count})`,
      drop: `SELECT count(lo_unlink(oid)) FROM pg_largeobject_metadata WHERE lomowner = ${Number(group.owner_id)}`,
      owns: group.owns,
    })),
  ];
}

/** The same connection settings, for another database of the server. */
function onDatabase(connection: ClientConfig, database: string): ClientConfig {
  return connection.connectionString === undefined
    ? { ...connection, database }
    : { ...connection, connectionString: parseDatabaseUrl(connection.connectionString).withDatabase(database) };
}
