import type pg from 'pg';
import { quoteIdent } from '../db/client';
import type { ColumnInfo } from './catalog';
import { qualifiedSql, type MaskPlan, type TablePlan } from './plan';

/**
 * The planner's statistics (`pg_stats`: most common values, histogram bounds; extended statistics'
 * lists) quote up to a few hundred values of each column, and any role that may read a column may
 * read them. A masked table is analysed after masking, which replaces them; but `ANALYZE` leaves the
 * statistics of an empty table as they were, so a truncated table (or one whose rows production had
 * deleted) would keep quoting production's values. Changing a column's type to the type it has
 * drops its statistics and its extended statistics' data (an empty table has nothing to rewrite);
 * where a view or rule keeps a column's type from changing, PostgreSQL 18's
 * `pg_clear_attribute_stats` clears that column's, and those of the table's expression indexes. Only an
 * owner can do either; what cannot be cleared is left as it is (verify searches them all).
 */

/**
 * Analyses again each table of `plan` that has inheritance children, once every table is masked: its
 * statistics over the whole tree (`pg_stats.inherited`) were taken when it was masked, before its
 * children were, and quote their original values. (A partitioned table is masked with its partitions.)
 */
export async function analyzeInheritanceParents(client: pg.Client, plan: MaskPlan): Promise<void> {
  for (const table of plan.tables) {
    if (table.table.partitioned) continue;
    const { rows } = await client.query('SELECT 1 FROM pg_inherits WHERE inhparent = $1::regclass LIMIT 1', [qualifiedSql(table)]);
    if (rows.length > 0) await client.query(`ANALYZE ${qualifiedSql(table)}`);
  }
}

/**
 * Clears the statistics of the tables of `plan` that hold no row, and those of their expression
 * indexes (`lower(email)` has statistics of its own, which restating a column the index does not
 * depend on, or a view blocking it, leaves).
 */
export async function clearStatisticsOfEmptyTables(client: pg.Client, plan: MaskPlan): Promise<void> {
  const clears = await canClearStatistics(client);
  for (const table of plan.tables) {
    const { rows } = await client.query<{ columns: string[] }>(
      `SELECT array(SELECT DISTINCT attname::text FROM pg_stats WHERE schemaname = $1 AND tablename = $2)
              || array(SELECT '' FROM pg_stats_ext WHERE schemaname = $1 AND tablename = $2 LIMIT 1) AS columns
        WHERE NOT EXISTS (SELECT 1 FROM ${qualifiedSql(table)})`,
      [table.table.schema, table.table.name],
    );
    if (rows.length === 0) continue;
    // Column names with statistics, and '' when extended statistics hold data (every column is restated then).
    const columns = rows[0]?.columns ?? [];
    if (columns.length > 0) await clearTable(client, table, table.table.columns.filter((column) => columns.includes(column.name) || columns.includes('')), clears);
    if (clears) await clearIndexStatistics(client, table);
  }
}

/** Whether this server has PostgreSQL 18's `pg_clear_attribute_stats`. */
async function canClearStatistics(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ clears: boolean }>(`SELECT to_regprocedure('pg_clear_attribute_stats(text, text, text, boolean)') IS NOT NULL AS clears`);
  return rows[0]?.clears ?? false;
}

/** Clears the statistics the indexes of `table` still hold (those of their expressions). */
async function clearIndexStatistics(client: pg.Client, table: TablePlan): Promise<void> {
  const { rows } = await client.query<{ schema: string; index: string; column: string }>(
    `SELECT st.schemaname AS schema, st.tablename AS index, st.attname AS column
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
       JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = i.relname
      WHERE x.indrelid = $1::regclass`,
    [qualifiedSql(table)],
  );
  for (const row of rows) await attempt(client, 'SELECT pg_clear_attribute_stats($1, $2, $3, false)', [row.schema, row.index, row.column]);
}

const sameType = (column: ColumnInfo): string =>
  `ALTER COLUMN ${quoteIdent(column.name)} TYPE ${column.sqlType}${column.collate === undefined ? '' : ` ${column.collate}`}`;

/** One ALTER for every column; failing that (a view on one), column by column; failing that, `pg_clear_attribute_stats` where it exists. */
async function clearTable(client: pg.Client, table: TablePlan, columns: readonly ColumnInfo[], clears: boolean): Promise<void> {
  const name = qualifiedSql(table);
  if (columns.length === 0 || await attempt(client, `ALTER TABLE ${name} ${columns.map(sameType).join(', ')}`)) return;
  for (const column of columns) {
    if (await attempt(client, `ALTER TABLE ${name} ${sameType(column)}`) || !clears) continue;
    for (const inherited of [false, true]) {
      await attempt(client, 'SELECT pg_clear_attribute_stats($1, $2, $3, $4)', [table.table.schema, table.table.name, column.name, inherited]);
    }
  }
}

/** Runs one statement in its own transaction; false (and nothing changed) when PostgreSQL refuses it. */
async function attempt(client: pg.Client, sql: string, params: unknown[] = []): Promise<boolean> {
  await client.query('BEGIN');
  try {
    await client.query(sql, params);
    await client.query('COMMIT');
    return true;
  } catch {
    await client.query('ROLLBACK');
    return false;
  }
}
