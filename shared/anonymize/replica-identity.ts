import type pg from 'pg';
import type { TableInfo } from './catalog';
import { refuseUnownedChanges, withHeldChanges, type HeldChange } from './held-changes';

/**
 * PostgreSQL refuses an UPDATE of a table that a publication publishes updates of unless the table has
 * a replica identity ("cannot update table … because it does not have a replica identity and publishes
 * updates"). Production's append-only tables often have none (an event log without a primary key under a
 * CDC publication `FOR ALL TABLES`): production never updates them, but masking by UPDATE must. So while
 * such a table is masked by UPDATE, rehearsal gives it `REPLICA IDENTITY FULL` and sets it back before the
 * transaction commits: the copy keeps production's publications and settings. Only an owner may do
 * this, so a run whose role does not own such a table stops before anything changes.
 */

/** A relation a masking UPDATE reaches that is published for updates without a replica identity. */
export interface UnidentifiedRelation {
  /** `schema.table`, unquoted. */
  readonly table: string;
  /** The relation, as SQL (quoted). */
  readonly relation: string;
  /** `pg_class.relreplident`: `d` (default, but no primary key), `n` (nothing) or `i` (its index is gone). */
  readonly identity: 'd' | 'n' | 'i';
  /** The publications that publish its updates. */
  readonly publications: readonly string[];
  /** Whether the connected role owns the relation (or is a member of its owner role). */
  readonly owns: boolean;
}

/**
 * The relations an UPDATE of `table` reaches (it, its partitions and inheritance children) that a
 * publication publishes updates of (directly, through an ancestor, its schema or `FOR ALL TABLES`)
 * and that have no replica identity PostgreSQL can use.
 */
export async function unidentifiedRelations(client: pg.Client, table: Pick<TableInfo, 'schema' | 'name'>): Promise<UnidentifiedRelation[]> {
  const { rows } = await client.query<UnidentifiedRelation>(
    `WITH RECURSIVE tree(oid) AS (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2
       UNION ALL SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid)
     SELECT n.nspname || '.' || c.relname AS table, format('%I.%I', n.nspname, c.relname) AS relation, c.relreplident AS identity,
            pubs.names AS publications, pg_has_role(current_user, c.relowner, 'USAGE') AS owns
       FROM tree JOIN pg_class c ON c.oid = tree.oid JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL (
         SELECT array_agg(DISTINCT p.pubname ORDER BY p.pubname)::text[] AS names
           FROM pg_publication p
          WHERE p.pubupdate AND (p.puballtables OR EXISTS (
                  SELECT FROM pg_publication_tables pt JOIN pg_namespace pn ON pn.nspname = pt.schemaname JOIN pg_class pc ON pc.relnamespace = pn.oid AND pc.relname = pt.tablename
                   WHERE pt.pubname = p.pubname AND (pc.oid = c.oid OR pc.oid IN (SELECT a.inhparent FROM pg_inherits a WHERE a.inhrelid = c.oid))))) AS pubs
      WHERE c.relkind = 'r' AND pubs.names IS NOT NULL
        AND CASE c.relreplident
              WHEN 'f' THEN false
              WHEN 'n' THEN true
              WHEN 'd' THEN NOT EXISTS (SELECT FROM pg_index x WHERE x.indrelid = c.oid AND x.indisprimary)
              ELSE NOT EXISTS (SELECT FROM pg_index x WHERE x.indrelid = c.oid AND x.indisreplident) END
      ORDER BY 1`,
    [table.schema, table.name],
  );
  return rows;
}

/** The clause that sets an identity back as it was; one whose index is gone behaves as `NOTHING`, and is set back so. */
const RESTORE = { d: 'DEFAULT', n: 'NOTHING', i: 'NOTHING' } as const;

/** Giving one relation `REPLICA IDENTITY FULL` for the masking, then its own identity back. */
function identify(relation: UnidentifiedRelation): HeldChange {
  return {
    owns: relation.owns,
    make: `ALTER TABLE ONLY ${relation.relation} REPLICA IDENTITY FULL`,
    undo: `ALTER TABLE ONLY ${relation.relation} REPLICA IDENTITY ${RESTORE[relation.identity]}`,
    refusal: `${relation.table} has no replica identity and publication ${relation.publications.join(', ')} publishes its updates, so PostgreSQL refuses the masking UPDATE; only the owner of ${relation.table} can give it REPLICA IDENTITY FULL for the masking; connect as that owner (or a member of its role), or give it a primary key on production; nothing was changed`,
  };
}

/**
 * Runs `work` (an UPDATE of `table`) with each relation of {@link unidentifiedRelations} given
 * `REPLICA IDENTITY FULL`, inside the caller's transaction, and sets each back before returning: a
 * failure rolls it back with everything else. Throws ConfigError (see held-changes.ts) when the role
 * does not own one (checked first by {@link refuseUnidentifiable}).
 */
export async function withReplicaIdentity<T>(client: pg.Client, table: Pick<TableInfo, 'schema' | 'name' | 'qualified'>, work: () => Promise<T>): Promise<T> {
  return withHeldChanges(client, table, (await unidentifiedRelations(client, table)).map(identify), work);
}

/**
 * Before anything changes: throws ConfigError (see held-changes.ts) when a table that will be masked
 * by UPDATE reaches a relation published for updates without a replica identity that this role does
 * not own.
 */
export async function refuseUnidentifiable(client: pg.Client, updated: readonly Pick<TableInfo, 'schema' | 'name' | 'qualified'>[]): Promise<void> {
  await refuseUnownedChanges(updated, async (table) => (await unidentifiedRelations(client, table)).map(identify));
}
