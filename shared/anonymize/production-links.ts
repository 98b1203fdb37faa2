import type pg from 'pg';
import { quoteIdent } from '../db/client';
import { ConfigError } from '../errors';

/**
 * A copy of production keeps production's ties to other systems: logical replication subscriptions,
 * which reconnect to their publisher with production's connection string (and could take production's
 * replication slot, or stream unmasked rows into the copy after masking), and foreign servers' user
 * mappings, which hold production's credentials to other databases (through which staging could read
 * or write them). Before masking, anonymize cuts both: each subscription is disabled, detached from its
 * slot (the publisher's slot is never touched) and dropped; each user mapping is dropped (the servers
 * and foreign tables stay, and fail to connect until staging gets mappings of its own). Only an owner
 * may do either: a run whose role may not is refused before anything changes.
 */

/** A tie to another system found in the copy. */
export interface ProductionLink {
  /** What it is, for messages: `subscription orders_feed`, `user mapping for PUBLIC on server reporting`. */
  readonly description: string;
  /** Whether the connected role may remove it (owns the subscription, or the server, or is the mapping's user). */
  readonly removable: boolean;
  /** The owner to connect as, when it is not removable. */
  readonly owner: string;
  /** The statements that remove it, in order, inside a transaction. */
  readonly removal: readonly string[];
}

/** The subscriptions of the connected database and the user mappings of its foreign servers. */
export async function productionLinks(client: pg.Client): Promise<ProductionLink[]> {
  const { rows: subscriptions } = await client.query<{ name: string; owner: string; removable: boolean }>(
    `SELECT s.subname AS name, pg_get_userbyid(s.subowner) AS owner, pg_has_role(current_user, s.subowner, 'USAGE') AS removable
       FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = current_database() ORDER BY 1`,
  );
  const { rows: mappings } = await client.query<{ server: string; user_name: string; public: boolean; owner: string; removable: boolean }>(
    `SELECT m.srvname AS server, m.usename AS user_name, m.umuser = 0 AS public, pg_get_userbyid(s.srvowner) AS owner,
            pg_has_role(current_user, s.srvowner, 'USAGE') OR (m.umuser <> 0 AND pg_has_role(current_user, m.umuser, 'USAGE')) AS removable
       FROM pg_user_mappings m JOIN pg_foreign_server s ON s.oid = m.srvid ORDER BY 1, 2`,
  );
  return [
    ...subscriptions.map((subscription) => {
      const name = quoteIdent(subscription.name);
      return {
        description: `subscription ${subscription.name}`,
        removable: subscription.removable,
        owner: subscription.owner,
        removal: [`ALTER SUBSCRIPTION ${name} DISABLE`, `ALTER SUBSCRIPTION ${name} SET (slot_name = NONE)`, `DROP SUBSCRIPTION ${name}`],
      };
    }),
    ...mappings.map((mapping) => ({
      description: `user mapping for ${mapping.public ? 'PUBLIC' : mapping.user_name} on server ${mapping.server}`,
      removable: mapping.removable,
      owner: mapping.owner,
      removal: [`DROP USER MAPPING FOR ${mapping.public ? 'PUBLIC' : quoteIdent(mapping.user_name)} SERVER ${quoteIdent(mapping.server)}`],
    })),
  ];
}

/** Before anything changes: throws {@link ConfigError} naming each link this role may not remove. */
export function refuseUnremovableLinks(links: readonly ProductionLink[]): void {
  const blocked = links.filter((link) => !link.removable);
  if (blocked.length === 0) return;
  throw new ConfigError(blocked.map((link) => ({
    path: link.description,
    message: `this copy of production would keep it (production's connection and credentials to another system), and only its owner ${link.owner} can remove it; connect as that owner (or a member of its role); nothing was changed`,
  })));
}

/** Removes every link, inside the caller's transaction; returns their descriptions. */
export async function removeProductionLinks(client: pg.Client, links: readonly ProductionLink[]): Promise<string[]> {
  for (const link of links) {
    for (const statement of link.removal) await client.query(statement);
  }
  return links.map((link) => link.description);
}
