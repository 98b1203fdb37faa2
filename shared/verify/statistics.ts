import { quoteLiteral } from '../db/client';
import type { TablePlan } from '../anonymize/plan';
import { FINGERPRINT_SOURCES_TABLE, FINGERPRINT_TABLE } from '../anonymize/mask-schema';
import { fingerprintSql, MASK_SCHEMA } from '../anonymize/sql/core';
import { typeClassOf } from '../anonymize/strategies';
import { FREE_TEXT } from './cells';

/**
 * The planner's statistics quote a column's values (`pg_stats`: most common values, histogram bounds)
 * to any role that may read the column, and they can outlive the rows (statistics taken before rows
 * were deleted, which an `ANALYZE` of an empty table keeps; anonymize clears those it may, see
 * stale-statistics.ts). So verify also looks for original values there, in every text column of every
 * table and materialized view, as whole values (the statistics hold whole values).
 */

/**
 * One query giving (table, col, finding) for each original value the statistics of `plans` still
 * quote, or undefined when no plan has a text column. A value shaped like its column's fakes is one, as
 * in the cells' search. Hashes only the statistics' few values, once for every table.
 */
export function statisticsFindingsSql(plans: readonly TablePlan[]): string | undefined {
  const columns = plans.flatMap((plan) => plan.table.columns
    .filter((column) => typeClassOf(column) === 'text' && !column.isArray)
    .map((column) => {
      const strategy = plan.masked.find((masked) => masked.column.name === column.name)?.rule.strategy ?? '';
      return `(${[plan.table.schema, plan.table.name, column.name, strategy, plan.table.qualified].map(quoteLiteral).join(', ')}, ${FREE_TEXT.has(strategy)})`;
    }));
  if (columns.length === 0) return undefined;
  return `WITH cols(schema, tbl, col, kind, qualified, free) AS (VALUES ${columns.join(', ')}),
  vals AS (
    SELECT DISTINCT c.qualified, c.col, c.kind, c.free, v AS val
      FROM cols c JOIN pg_stats st ON st.schemaname = c.schema AND st.tablename = c.tbl AND st.attname = c.col
      CROSS JOIN LATERAL unnest(coalesce(st.most_common_vals::text::text[], '{}') || coalesce(st.histogram_bounds::text::text[], '{}')) AS v
     WHERE length(btrim(v)) >= 4)
  SELECT DISTINCT v.qualified AS table, v.col, 'original value of ' || src.source || ' in the planner statistics (pg_stats)' AS finding
    FROM vals v JOIN ${FINGERPRINT_TABLE} f ON f.fp = ${fingerprintSql('v.val')}
    JOIN ${FINGERPRINT_SOURCES_TABLE} src ON src.id = f.source
   WHERE v.free OR NOT ${MASK_SCHEMA}.fake_shaped(v.kind, v.val)
   ORDER BY 1, 2, 3`;
}
