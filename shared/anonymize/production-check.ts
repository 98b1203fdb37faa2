import type { ClientConfig } from 'pg';
import { parseDatabaseUrl, withClient } from '../db/client';
import type { Config } from '../config/schema';
import { ProductionWriteBlockedError } from '../errors';

/**
 * Refuses a database URL that the config names as production: the same host, port and database for a
 * local production, or an endpoint of the production RDS instance or Aurora cluster. Masking writes
 * every row; it must never reach production.
 */
export function assertNotProduction(databaseUrl: string, config: Config): void {
  const target = parseDatabaseUrl(databaseUrl);
  const production = config.databases.production as Record<string, unknown>;
  const refuse = (why: string): never => {
    throw new ProductionWriteBlockedError(`refused to mask ${target.host}:${target.port}/${target.database}: ${why}. rehearsal never modifies production; point --database-url at a candidate copy`);
  };
  if (typeof production.url === 'string') {
    const prod = parseDatabaseUrl(production.url);
    if (prod.host === target.host && prod.port === target.port && prod.database === target.database) refuse('the config names it as production');
  }
  for (const field of ['instanceIdentifier', 'clusterIdentifier']) {
    const id = production[field];
    if (typeof id === 'string' && target.host.toLowerCase().split('.')[0] === id.toLowerCase()) refuse(`its host is an endpoint of the production ${field === 'instanceIdentifier' ? 'RDS instance' : 'Aurora cluster'} ${id}`);
  }
}

/** Database comments that mark a copy rehearsal may mask: its own candidates, or a copy a person marked. */
export const COPY_MARKERS = ['rehearsal:candidate', 'rehearsal:copy'] as const;

/**
 * Without a config naming production, masking needs proof from the database itself that it is a copy:
 * a comment rehearsal's restore sets (`rehearsal:candidate`) or that a person set on purpose
 * (`COMMENT ON DATABASE <copy> IS 'rehearsal:copy'`). Anything else is refused before any change.
 */
export async function assertMarkedCopy(connection: ClientConfig): Promise<void> {
  const comment = await withClient(connection, async (client) => {
    const { rows } = await client.query<{ comment: string | null; name: string }>(
      "SELECT shobj_description(oid, 'pg_database') AS comment, datname AS name FROM pg_database WHERE datname = current_database()");
    return rows[0];
  });
  if (comment && COPY_MARKERS.some((marker) => comment.comment?.startsWith(marker))) return;
  throw new ProductionWriteBlockedError(
    `refused to mask database "${comment?.name ?? '?'}": nothing says it is not production. Pass --config rehearsal.config.yaml ` +
      `(rehearsal refuses the production it names), or mark the copy on purpose: COMMENT ON DATABASE "${comment?.name ?? '<copy>'}" IS 'rehearsal:copy'`,
  );
}
