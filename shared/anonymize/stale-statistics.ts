import type pg from 'pg';
import { quoteIdent } from '../db/client';
import { isConnectionLost } from '../db/lost-connection';
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

/**
 * Clears, on every masked table of `plan`, the statistics its ANALYZE after masking did not replace,
 * which still quote production's values:
 * - a masked column's whose statistics target is 0 (`SET STATISTICS 0`: ANALYZE skips the column and
 *   keeps what it had), by restating the column (the same-type ALTER of
 *   {@link clearStatisticsOfEmptyTables}, or PostgreSQL 18's `pg_clear_attribute_stats`);
 * - the data of an extended statistics object over a masked column that ANALYZE does not build (its
 *   own target 0, or one of its columns'), by dropping and re-creating the object as it was (definition,
 *   target, comment), empty;
 * - an expression index's over a masked column whose target is 0, with PostgreSQL 18's
 *   `pg_clear_attribute_stats`, or by restating the column (which builds the index again).
 * Then the table is analysed again. Kept columns' statistics quote kept values and stay. Only an owner
 * can do it; what cannot be cleared is left (verify searches it).
 */
export async function clearSkippedStatistics(client: pg.Client, plan: MaskPlan): Promise<void> {
  const clears = await canClearStatistics(client);
  for (const table of plan.tables) {
    if (table.truncate || table.masked.length === 0) continue;
    const masked = table.masked.map((column) => column.column.name);
    const { rows } = await client.query<{ columns: string[]; objects: string[] }>(
      `WITH skipped AS (SELECT a.attnum, a.attname FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attstattarget = 0),
            object_columns AS (SELECT d.objid AS oid, a.attnum, a.attname FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                WHERE d.classid = 'pg_statistic_ext'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = $1::regclass)
       SELECT array(SELECT k.attname::text FROM skipped k
                     WHERE k.attname = ANY ($4::text[]) AND EXISTS (SELECT 1 FROM pg_stats st WHERE st.schemaname = $2 AND st.tablename = $3 AND st.attname = k.attname)) AS columns,
              array(SELECT ${recreateStatisticsSql('x')} FROM pg_statistic_ext x JOIN pg_namespace n ON n.oid = x.stxnamespace
                     WHERE x.stxrelid = $1::regclass
                       AND EXISTS (SELECT 1 FROM pg_stats_ext e WHERE e.statistics_schemaname = n.nspname AND e.statistics_name = x.stxname)
                       AND EXISTS (SELECT 1 FROM object_columns c WHERE c.oid = x.oid AND c.attname = ANY ($4::text[]))
                       AND (x.stxstattarget = 0 OR EXISTS (SELECT 1 FROM object_columns c JOIN skipped k ON k.attnum = c.attnum WHERE c.oid = x.oid))) AS objects`,
      [qualifiedSql(table), table.table.schema, table.table.name, masked],
    );
    const columns = new Set(rows[0]?.columns ?? []);
    const objects = rows[0]?.objects ?? [];
    const indexes = await skippedIndexStatistics(client, table, masked);
    if (columns.size === 0 && objects.length === 0 && indexes.length === 0) continue;
    for (const recreate of objects) await attempt(client, recreate);
    // An index's: cleared where PostgreSQL 18 can; otherwise restating a masked column it is over builds it again, without them.
    for (const index of indexes) {
      const cleared = clears && await attempt(client, 'SELECT pg_clear_attribute_stats($1, $2, $3, false)', [index.schema, index.index, index.column]);
      if (!cleared) for (const column of index.over) columns.add(column);
    }
    if (columns.size > 0) await clearTable(client, table, table.table.columns.filter((column) => columns.has(column.name)), clears);
    await client.query(`ANALYZE ${qualifiedSql(table)}`);
  }
}

/**
 * The statistics of the table's expression indexes over a masked column that ANALYZE skips (the index
 * column's target is 0, `ALTER INDEX … ALTER COLUMN 1 SET STATISTICS 0`), with the masked columns each is over.
 */
async function skippedIndexStatistics(client: pg.Client, table: TablePlan, masked: readonly string[]): Promise<{ schema: string; index: string; column: string; over: string[] }[]> {
  const { rows } = await client.query<{ schema: string; index: string; column: string; over: string[] }>(
    `SELECT * FROM (
       SELECT n.nspname::text AS schema, i.relname::text AS index, a.attname::text AS column,
              array(SELECT c.attname::text FROM pg_depend d JOIN pg_attribute c ON c.attrelid = d.refobjid AND c.attnum = d.refobjsubid
                     WHERE d.classid = 'pg_class'::regclass AND d.objid = x.indexrelid AND d.refclassid = 'pg_class'::regclass
                       AND d.refobjid = x.indrelid AND c.attname = ANY ($2::text[])) AS over
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
         JOIN pg_attribute a ON a.attrelid = x.indexrelid AND a.attnum > 0 AND a.attstattarget = 0
        WHERE x.indrelid = $1::regclass
          AND EXISTS (SELECT 1 FROM pg_stats st WHERE st.schemaname = n.nspname AND st.tablename = i.relname AND st.attname = a.attname)) AS s
      WHERE cardinality(over) > 0`,
    [qualifiedSql(table), masked],
  );
  return rows;
}

/**
 * SQL giving, for the extended statistics object `x` (a `pg_statistic_ext` row), the statements that
 * drop it and create it again with its definition, target, comment and owner: the same object, no data.
 */
function recreateStatisticsSql(x: string): string {
  const name = `quote_ident(n.nspname) || '.' || quote_ident(${x}.stxname)`;
  return `'DROP STATISTICS ' || ${name} || '; ' || pg_get_statisticsobjdef(${x}.oid) || '; '
    || CASE WHEN ${x}.stxstattarget >= 0 THEN 'ALTER STATISTICS ' || ${name} || ' SET STATISTICS ' || ${x}.stxstattarget || '; ' ELSE '' END
    || coalesce('COMMENT ON STATISTICS ' || ${name} || ' IS ' || quote_literal(obj_description(${x}.oid, 'pg_statistic_ext')) || '; ', '')
    || 'ALTER STATISTICS ' || ${name} || ' OWNER TO ' || quote_ident(pg_get_userbyid(${x}.stxowner))`;
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

/**
 * Runs one statement in its own transaction; false (and nothing changed) when PostgreSQL refuses it.
 * A lost connection is no refusal: it is thrown as it came.
 */
async function attempt(client: pg.Client, sql: string, params: unknown[] = []): Promise<boolean> {
  await client.query('BEGIN');
  try {
    await client.query(sql, params);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    if (isConnectionLost(error)) throw error;
    await client.query('ROLLBACK');
    return false;
  }
}
