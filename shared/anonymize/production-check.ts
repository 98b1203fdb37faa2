import { parseDatabaseUrl } from '../db/client';
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
