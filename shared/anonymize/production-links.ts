import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../db/client';
import { ConfigError } from '../errors';

/**
 * A copy of production keeps production's ties to other systems:
 * - logical replication subscriptions, which reconnect to their publisher with production's connection
 *   string (and could take production's replication slot, or stream unmasked rows into the copy after
 *   masking);
 * - foreign servers' user mappings, which hold production's credentials to other databases (through
 *   which staging could read or write them);
 * - logical replication slots of the copied database, from which a consumer would decode production's
 *   changes not yet consumed, and then the masking itself, with each masked row's original values
 *   wherever the replica identity carries them;
 * - prepared (two-phase) transactions, production's unfinished work: committed after masking, they
 *   would write their production rows back in unmasked; until then, their locks hold masking up.
 * Before masking, anonymize removes them all: each subscription is disabled, detached from its slot (the
 * publisher's slot is never touched) and dropped; each user mapping is dropped (the servers and foreign
 * tables stay, and fail to connect until staging gets mappings of its own); each slot is dropped; each
 * prepared transaction is rolled back. Only some roles may do each: a run whose role may not is refused
 * before anything changes.
 */

/** A tie to another system found in the copy. */
export interface ProductionLink {
  /** What it is, for messages: `subscription orders_feed`, `user mapping for PUBLIC on server reporting`. */
  readonly description: string;
  /** The system view that lists it: `pg_subscription`, `pg_user_mappings`, `pg_replication_slots`, `pg_prepared_xacts`. */
  readonly catalog: string;
  /** Why the connected role may not remove it, and what would: `undefined` when it may. */
  readonly refusal: string | undefined;
  /** The statements that remove it, in order. */
  readonly removal: readonly string[];
  /**
   * Whether the removal runs inside the preparing transaction (and is undone with it); `false` for a
   * prepared transaction, whose rollback cannot run inside one, and a slot, whose drop is not undone.
   */
  readonly transactional: boolean;
}

/** The ties of the connected database: its subscriptions, user mappings, replication slots and prepared transactions. */
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
  const { rows: slots } = await client.query<{ name: string; active_pid: number | null; may_drop: boolean }>(
    `SELECT s.slot_name AS name, s.active_pid, r.rolsuper OR r.rolreplication
            OR EXISTS (SELECT FROM pg_roles g WHERE g.rolname = 'rds_replication' AND pg_has_role(current_user, g.oid, 'MEMBER')) AS may_drop
       FROM pg_replication_slots s, pg_roles r WHERE s.database = current_database() AND r.rolname = current_user ORDER BY 1`,
  );
  const { rows: prepared } = await client.query<{ gid: string; owner: string; removable: boolean }>(
    `SELECT x.gid, x.owner, x.owner = current_user OR r.rolsuper AS removable
       FROM pg_prepared_xacts x, pg_roles r WHERE x.database = current_database() AND r.rolname = current_user ORDER BY x.prepared, x.gid`,
  );
  const ownerOnly = (owner: string, removable: boolean): string | undefined => removable ? undefined
    : `this copy of production would keep it (production's connection and credentials to another system), and only its owner ${owner} can remove it; connect as that owner (or a member of its role)`;
  return [
    ...subscriptions.map((subscription) => {
      const name = quoteIdent(subscription.name);
      return {
        description: `subscription ${subscription.name}`,
        catalog: 'pg_subscription',
        refusal: ownerOnly(subscription.owner, subscription.removable),
        removal: [`ALTER SUBSCRIPTION ${name} DISABLE`, `ALTER SUBSCRIPTION ${name} SET (slot_name = NONE)`, `DROP SUBSCRIPTION ${name}`],
        transactional: true,
      };
    }),
    ...mappings.map((mapping) => ({
      description: `user mapping for ${mapping.public ? 'PUBLIC' : mapping.user_name} on server ${mapping.server}`,
      catalog: 'pg_user_mappings',
      refusal: ownerOnly(mapping.owner, mapping.removable),
      removal: [`DROP USER MAPPING FOR ${mapping.public ? 'PUBLIC' : quoteIdent(mapping.user_name)} SERVER ${quoteIdent(mapping.server)}`],
      transactional: true,
    })),
    ...slots.map((slot) => ({
      description: `replication slot ${slot.name}`,
      catalog: 'pg_replication_slots',
      refusal: slot.active_pid !== null
        ? `a consumer (server process ${slot.active_pid}) is reading production's changes, and then the masking, from this copy through it; stop that consumer, then run again`
        : slot.may_drop ? undefined
          : `a consumer could read production's changes, and then the masking, from this copy through it, and only a role with the REPLICATION attribute (rds_replication on RDS) can drop it; connect as such a role`,
      removal: [`SELECT pg_drop_replication_slot(${quoteLiteral(slot.name)})`],
      transactional: false,
    })),
    ...prepared.map((transaction) => ({
      description: `prepared transaction ${quoteLiteral(transaction.gid)}`,
      catalog: 'pg_prepared_xacts',
      refusal: transaction.removable ? undefined
        : `production's unfinished transaction: committed after masking it would write its rows back unmasked (and its locks hold masking up), and only ${transaction.owner}, who prepared it, or a superuser can roll it back; connect as ${transaction.owner}`,
      removal: [`ROLLBACK PREPARED ${quoteLiteral(transaction.gid)}`],
      transactional: false,
    })),
  ];
}

/** Before anything changes: throws {@link ConfigError} naming each link this role may not remove. */
export function refuseUnremovableLinks(links: readonly ProductionLink[]): void {
  const blocked = links.filter((link) => link.refusal !== undefined);
  if (blocked.length === 0) return;
  throw new ConfigError(blocked.map((link) => ({ path: link.description, message: `${link.refusal}; nothing was changed` })));
}

/**
 * Removes the links, each statement on its own (`transactional: false` ones must run outside a
 * transaction block; the others, inside the caller's); returns their descriptions.
 */
export async function removeProductionLinks(client: pg.Client, links: readonly ProductionLink[]): Promise<string[]> {
  for (const link of links) {
    for (const statement of link.removal) await client.query(statement);
  }
  return links.map((link) => link.description);
}
