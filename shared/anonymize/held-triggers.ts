import type pg from 'pg';
import { quoteIdent } from '../db/client';
import type { TableInfo } from './catalog';
import { refuseUnownedChanges, withHeldChanges, type HeldChange } from './held-changes';

/**
 * A masking UPDATE would fire the table's own triggers and rules, which a rewrite never does: an audit
 * trigger would copy every original value into its log (after that table was masked), another would
 * bump timestamps or queue messages. So while a table is masked by UPDATE, rehearsal holds them:
 * each user trigger of the table and of the partitions and children the UPDATE reaches, and each
 * `ON UPDATE` rule of the table, that fires in an ordinary session is disabled, and enabled again
 * as it was (`ENABLE` or `ENABLE ALWAYS`) before the transaction commits. Only an owner may do this, so a
 * run whose role does not own such a table stops before anything changes.
 */

/** A trigger or rule that would fire while a table is updated. */
export interface FiringObject {
  /** `trigger` or `rule`. */
  readonly kind: 'trigger' | 'rule';
  readonly name: string;
  /** The table it is on: `schema.table`, unquoted. */
  readonly table: string;
  /** The relation, as SQL (quoted). */
  readonly relation: string;
  /** `O` (enabled) or `A` (always), as `pg_trigger.tgenabled` / `pg_rewrite.ev_enabled` spell it. */
  readonly enabled: 'O' | 'A';
  /** Whether the connected role owns the relation (or is a member of its owner role). */
  readonly owns: boolean;
}

/**
 * The user triggers of `table` and of every partition and inheritance child below it (any event: an
 * UPDATE that moves a row to another partition deletes and inserts it), and the `ON UPDATE` rules of
 * `table`, that fire in an ordinary session (not disabled, not replica-only).
 */
export async function firingObjects(client: pg.Client, table: Pick<TableInfo, 'schema' | 'name'>): Promise<FiringObject[]> {
  const { rows } = await client.query<FiringObject>(
    `WITH RECURSIVE tree(oid, depth) AS (
       SELECT c.oid, 0 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2
       UNION ALL SELECT i.inhrelid, t.depth + 1 FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid)
     SELECT kind, name, n.nspname || '.' || c.relname AS table, format('%I.%I', n.nspname, c.relname) AS relation,
            enabled, pg_has_role(current_user, c.relowner, 'USAGE') AS owns
       FROM (SELECT 'trigger' AS kind, g.tgname AS name, g.tgrelid AS rel, g.tgenabled AS enabled, t.depth
               FROM pg_trigger g JOIN tree t ON t.oid = g.tgrelid WHERE NOT g.tgisinternal AND g.tgenabled IN ('O', 'A')
             UNION ALL
             SELECT 'rule', r.rulename, r.ev_class, r.ev_enabled, t.depth
               FROM pg_rewrite r JOIN tree t ON t.oid = r.ev_class WHERE t.depth = 0 AND r.ev_type = '2' AND r.ev_enabled IN ('O', 'A')) AS f
       JOIN pg_class c ON c.oid = f.rel JOIN pg_namespace n ON n.oid = c.relnamespace
      ORDER BY f.depth, f.kind, c.relname, f.name`,
    [table.schema, table.name],
  );
  return rows;
}

const ENABLE = { O: 'ENABLE', A: 'ENABLE ALWAYS' } as const;

function alter(object: FiringObject, action: string): string {
  // ONLY: a partitioned table's trigger is held and restored on each partition by its own entry.
  return `ALTER TABLE ONLY ${object.relation} ${action} ${object.kind === 'trigger' ? 'TRIGGER' : 'RULE'} ${quoteIdent(object.name)}`;
}

/** Holding one trigger or rule for the masking: disabled, then enabled again as it was. */
function hold(object: FiringObject): HeldChange {
  return {
    owns: object.owns,
    make: alter(object, 'DISABLE'),
    undo: alter(object, ENABLE[object.enabled]),
    refusal: `${object.kind} ${object.name} on ${object.table} would fire for every row masked by UPDATE, and only the owner of ${object.table} can hold it during the masking; connect as that owner (or a member of its role); nothing was changed`,
  };
}

/**
 * Runs `work` (an UPDATE of `table`) with its triggers and rules held, inside the caller's transaction:
 * a failure rolls the holds back with everything else. Throws ConfigError (see held-changes.ts) when
 * the role does not own a relation whose trigger or rule would fire (checked first by
 * {@link refuseUnheldTriggers}).
 */
export async function withTriggersHeld<T>(client: pg.Client, table: Pick<TableInfo, 'schema' | 'name' | 'qualified'>, work: () => Promise<T>): Promise<T> {
  return withHeldChanges(client, table, (await firingObjects(client, table)).map(hold), work);
}

/**
 * Before anything changes: throws ConfigError (see held-changes.ts) when a table that will be masked
 * by UPDATE has a trigger or rule (on it, or on a partition or child) that this role cannot hold, not
 * owning it.
 */
export async function refuseUnheldTriggers(client: pg.Client, updated: readonly Pick<TableInfo, 'schema' | 'name' | 'qualified'>[]): Promise<void> {
  await refuseUnownedChanges(updated, async (table) => (await firingObjects(client, table)).map(hold));
}
