import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ClientConfig } from 'pg';
import { parseDatabaseUrl, withClient } from '../db/client';
import type { Config } from '../config/schema';
import { ProductionWriteBlockedError } from '../errors';

/** Resolves a host name to its addresses (`dns.lookup`, all of them); injected by tests. */
export type ResolveHost = (host: string) => Promise<readonly string[]>;

const resolveWithDns: ResolveHost = async (host) => (await lookup(host, { all: true })).map((found) => found.address);

/**
 * Refuses a database URL that the config names as production: the same database and port on the same
 * host, by name or by address (`localhost`, `127.0.0.1` and `::1` are one machine; a DNS alias of
 * production's host is production), or an endpoint of the production RDS instance or Aurora cluster.
 * A host that does not resolve is compared by name. Masking writes every row; it must never reach production.
 */
export async function assertNotProduction(databaseUrl: string, config: Config, resolve: ResolveHost = resolveWithDns): Promise<void> {
  const target = parseDatabaseUrl(databaseUrl);
  const production = config.databases.production as Record<string, unknown>;
  const refuse = (why: string): never => {
    throw new ProductionWriteBlockedError(`refused to mask ${target.host}:${target.port}/${target.database}: ${why}. rehearsal never modifies production; point --database-url at a candidate copy`);
  };
  if (typeof production.url === 'string') {
    const prod = parseDatabaseUrl(production.url);
    if (prod.port === target.port && prod.database === target.database && (await sameHost(prod.host, target.host, resolve))) {
      refuse(`the config names it as production${prod.host === target.host ? '' : ` (as ${prod.host}, the same machine)`}`);
    }
  }
  for (const field of ['instanceIdentifier', 'clusterIdentifier']) {
    const id = production[field];
    if (typeof id === 'string' && target.host.toLowerCase().split('.')[0] === id.toLowerCase()) refuse(`its host is an endpoint of the production ${field === 'instanceIdentifier' ? 'RDS instance' : 'Aurora cluster'} ${id}`);
  }
}

/** Whether two host names are one machine: the same name, both loopback, or sharing an address. */
async function sameHost(a: string, b: string, resolve: ResolveHost): Promise<boolean> {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  const addresses = async (host: string): Promise<string[]> => {
    const bare = host.replace(/^\[|\]$/g, '');
    const found = isIP(bare) !== 0 ? [bare] : await resolve(bare).catch(() => []);
    return found.map((address) => (isLoopback(address) ? 'loopback' : address.toLowerCase()));
  };
  const [left, right] = await Promise.all([addresses(a), addresses(b)]);
  return left.some((address) => right.includes(address));
}

const isLoopback = (address: string): boolean => address === '::1' || /^127\./.test(address) || /^::ffff:127\./i.test(address);

/** Database comments that mark a copy rehearsal may mask: its own candidates, or a copy a person marked. */
export const COPY_MARKERS = ['rehearsal:candidate', 'rehearsal:copy'] as const;

/**
 * Masking needs proof from the database itself that it is a copy, whatever the config says (a URL can
 * name production's server by many names): a comment rehearsal's restore sets (`rehearsal:candidate`)
 * or that a person set on purpose (`COMMENT ON DATABASE <copy> IS 'rehearsal:copy'`). Anything else is
 * refused before any change.
 */
export async function assertMarkedCopy(connection: ClientConfig): Promise<void> {
  const comment = await withClient(connection, async (client) => {
    const { rows } = await client.query<{ comment: string | null; name: string }>(
      "SELECT shobj_description(oid, 'pg_database') AS comment, datname AS name FROM pg_database WHERE datname = current_database()");
    return rows[0];
  });
  if (comment && COPY_MARKERS.some((marker) => comment.comment?.startsWith(marker))) return;
  throw new ProductionWriteBlockedError(
    `refused to mask database "${comment?.name ?? '?'}": nothing says it is not production. If it is a copy, mark it on purpose: ` +
      `COMMENT ON DATABASE "${comment?.name ?? '<copy>'}" IS 'rehearsal:copy' (rehearsal's own candidates are marked 'rehearsal:candidate')`,
  );
}
