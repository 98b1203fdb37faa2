import type pg from 'pg';
import { quoteIdent } from '../db/client';
import { setExpression } from './set-expression';
import { anyMaskedValueSql, qualifiedSql, type MaskPlan, type TablePlan } from './plan';
import type { MaskMode } from './rules-schema';

/**
 * Rewrite mode: a table is masked by one `ALTER TABLE ... ALTER COLUMN c TYPE <same type> USING
 * <fake>` naming every masked column. PostgreSQL writes the table anew in one pass and rebuilds its
 * indexes by sorting, so there are no dead rows (no VACUUM), no per-row index inserts and no triggers
 * fired; the table keeps its OID, so views elsewhere, grants, comments and foreign keys on other
 * columns stay as they are. A unique index or check constraint that the fakes break fails the
 * statement, and the transaction rolls back as an UPDATE's would.
 */

/** Why a table cannot be rewritten, per `schema.table`; tables absent from the map can be. */
export type RewriteBlockers = ReadonlyMap<string, string>;

/**
 * The event triggers of the database that fire on `table_rewrite` in an ordinary session (enabled, or
 * enabled always): production's, such as a guard that forbids rewrites on a live database. A rewrite
 * would run them, so while there is one every table is masked by UPDATE, which fires none.
 */
async function rewriteEventTriggers(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>("SELECT evtname AS name FROM pg_event_trigger WHERE evtevent = 'table_rewrite' AND evtenabled IN ('O', 'A') ORDER BY 1");
  return rows.map((row) => row.name);
}

/**
 * Finds what stops PostgreSQL from rewriting each masked table with `ALTER COLUMN ... USING`: a view,
 * rule, policy, trigger (`UPDATE OF`, `WHEN`), function with a SQL-standard body (`BEGIN ATOMIC`) or
 * publication (row filter, column list) on a masked column, a column elsewhere of the table's row type,
 * a generated column, a partitioned or inherited table, a table
 * this role does not own, or an array column (masked element by element with a sub-select, which
 * `USING` does not allow); and, for every table, an event trigger on `table_rewrite`.
 */
export async function findRewriteBlockers(client: pg.Client, tables: readonly TablePlan[]): Promise<RewriteBlockers> {
  const blockers = new Map<string, string>();
  const guards = await rewriteEventTriggers(client);
  for (const plan of tables) {
    if (plan.truncate || plan.masked.length === 0) continue;
    if (guards.length > 0) {
      blockers.set(plan.table.qualified, `event trigger ${guards.join(', ')} runs on every table rewrite (production's rule, such as no rewrites)`);
      continue;
    }
    const array = plan.masked.find((column) => column.column.isArray);
    if (array) {
      blockers.set(plan.table.qualified, `array column ${array.column.name} is masked element by element`);
      continue;
    }
    if (plan.table.columns.some((column) => column.generated)) {
      blockers.set(plan.table.qualified, 'it has a generated column');
      continue;
    }
    const { rows } = await client.query<{ reason: string | null }>(
      `WITH t AS (SELECT c.oid, c.relkind, c.relowner, c.reltype FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2),
            cols AS (SELECT a.attnum FROM pg_attribute a, t WHERE a.attrelid = t.oid AND a.attname = ANY ($3::text[]))
       SELECT CASE
         WHEN t.relkind <> 'r' THEN 'it is partitioned'
         WHEN EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = t.oid OR i.inhparent = t.oid) THEN 'it has inheritance parents or children'
         WHEN NOT pg_has_role(current_user, t.relowner, 'USAGE') THEN 'it is owned by a role ' || current_user || ' does not belong to'
         WHEN EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
                       WHERE a.attnum > 0 AND NOT a.attisdropped AND t.reltype IN (ty.oid, ty.typelem, ty.typbasetype))
           THEN 'a column of another table or type has its row type'
         ELSE (SELECT 'a ' || CASE d.classid WHEN 'pg_rewrite'::regclass THEN 'view or rule' WHEN 'pg_policy'::regclass THEN 'row-level policy'
                                   WHEN 'pg_trigger'::regclass THEN 'trigger (UPDATE OF or WHEN)' WHEN 'pg_proc'::regclass THEN 'function with a SQL-standard body'
                                   ELSE 'publication (row filter or column list)' END || ' uses a masked column'
                 FROM pg_depend d, cols
                WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = t.oid AND d.refobjsubid = cols.attnum
                  AND d.classid IN ('pg_rewrite'::regclass, 'pg_policy'::regclass, 'pg_trigger'::regclass, 'pg_proc'::regclass, 'pg_publication_rel'::regclass)
                ORDER BY d.classid, d.objid LIMIT 1)
       END AS reason FROM t`,
      [plan.table.schema, plan.table.name, plan.masked.map((column) => column.column.name)],
    );
    const reason = rows[0]?.reason;
    if (reason) blockers.set(plan.table.qualified, reason);
  }
  return blockers;
}

/**
 * The tables to rewrite under `mode` (`update`: none; `auto`: every masked table nothing blocks;
 * `rewrite`: every masked table), and the masked tables `mode: rewrite` cannot have, with the reason.
 */
export function tablesToRewrite(plan: MaskPlan, mode: MaskMode, blockers: RewriteBlockers): { rewrite: Set<string>; refused: string[] } {
  if (mode === 'update') return { rewrite: new Set(), refused: [] };
  const masked = plan.tables.filter((table) => !table.truncate && table.masked.length > 0).map((table) => table.table.qualified);
  const refused = mode === 'rewrite' ? masked.filter((table) => blockers.has(table)).map((table) => `${table}: ${blockers.get(table) ?? ''}`) : [];
  return { rewrite: new Set(masked.filter((table) => !blockers.has(table))), refused };
}

/** The one statement that rewrites a table with its masked columns replaced by their fakes. */
export function rewriteSql(plan: TablePlan): string {
  const columns = plan.masked.map((column) => {
    const collate = column.column.collate === undefined ? '' : ` ${column.column.collate}`;
    return `ALTER COLUMN ${quoteIdent(column.column.name)} TYPE ${column.column.sqlType}${collate} USING ${setExpression(column, undefined, 'call')}`;
  });
  return `ALTER TABLE ${qualifiedSql(plan)} ${columns.join(', ')}`;
}

/**
 * Rewrites one table; returns the rows holding a value in any masked column (the rows an UPDATE would
 * have changed), counted before the rewrite.
 */
export async function rewriteTable(client: pg.Client, plan: TablePlan): Promise<number> {
  const rows = await countMaskedRows(client, plan);
  await client.query(rewriteSql(plan));
  return rows;
}

/** The rows holding a value in any masked column: the rows an UPDATE would change. */
export async function countMaskedRows(client: pg.Client, plan: TablePlan): Promise<number> {
  const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualifiedSql(plan)} WHERE ${anyMaskedValueSql(plan)}`);
  return Number(rows[0]?.n ?? 0);
}
