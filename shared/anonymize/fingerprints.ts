import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../db/client';
import { parseJsonPath, toSqlJsonPath } from './json-path';
import { FINGERPRINT_TABLE, useParallelScans } from './mask-schema';
import { qualifiedSql, type ColumnPlan, type MaskPlan } from './plan';
import { MASK_SCHEMA } from './sql/core';
import { piiTokenScansSql } from './sql/detectors';
import { STRATEGIES, typeClassOf } from './strategies';

const s = MASK_SCHEMA;
/** Shorter originals are not fingerprinted: `NY` or `12` would be found everywhere and prove nothing. */
export const MIN_FINGERPRINT_LENGTH = 4;
const DICTIONARY_KINDS = new Set(['firstName', 'lastName', 'fullName', 'city', 'street']);

/** SQL giving the original text values of a masked column worth fingerprinting, as column `v`. */
function originalValuesSql(table: string, plan: ColumnPlan): string | undefined {
  const column = quoteIdent(plan.column.name);
  const cls = typeClassOf(plan.column);
  if (!STRATEGIES[plan.rule.strategy].fingerprint || !['text', 'json', 'uuid', 'inet'].includes(cls)) return undefined;
  if (plan.rule.strategy === 'scrubText') {
    return `SELECT token AS v FROM (${piiTokenScansSql(`${table} t`, `t.${column}::text`)}) AS p`;
  }
  if (plan.rule.strategy === 'json') {
    return Object.keys(plan.rule.paths)
      .map((path) => `SELECT jsonb_path_query(t.${column}::jsonb, ${quoteLiteral(toSqlJsonPath(parseJsonPath(path)))}) #>> '{}' AS v FROM ${table} t`)
      .join(' UNION ALL ');
  }
  if (plan.column.isArray) return `SELECT e::text AS v FROM ${table} t, unnest(t.${column}) AS e`;
  return `SELECT ${cls === 'inet' ? `host(t.${column})` : `t.${column}::text`} AS v FROM ${table} t`;
}

/** Below this share of distinct values, originals are deduplicated before they are hashed. */
const FEW_DISTINCT = 0.05;
/** From this share of distinct values on, a column's fingerprints are not deduplicated at all. */
const MOSTLY_DISTINCT = 0.5;

/**
 * The planner's estimate of the share of a column's values that are distinct (`pg_stats`), 1 when the
 * table has no statistics (a restored snapshot has them).
 */
async function distinctShare(client: pg.Client, schema: string, table: string, column: string): Promise<number> {
  const { rows } = await client.query<{ share: number | null }>(
    `SELECT CASE WHEN st.n_distinct < 0 THEN -st.n_distinct WHEN c.reltuples > 0 THEN st.n_distinct / c.reltuples END::float8 AS share
       FROM pg_stats st JOIN pg_namespace n ON n.nspname = st.schemaname JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = st.tablename
      WHERE st.schemaname = $1 AND st.tablename = $2 AND st.attname = $3`,
    [schema, table, column],
  );
  return rows[0]?.share ?? 1;
}

/**
 * Stores keyed fingerprints of the original values of every masked column before anything is masked:
 * whole values, the PII found inside free text and JSON, and phone numbers as bare digits too. Originals
 * a dictionary fake could equal by chance are left out. One statement, `CREATE TABLE … AS`, which
 * PostgreSQL may run over parallel workers (an `INSERT … SELECT` never is); returns the total count.
 */
export async function takeFingerprints(client: pg.Client, plan: MaskPlan): Promise<number> {
  const parts: string[] = [];
  for (const table of plan.tables) {
    if (table.truncate) continue;
    const name = qualifiedSql(table);
    for (const column of table.masked) {
      const values = originalValuesSql(name, column);
      if (!values) continue;
      const exclude = DICTIONARY_KINDS.has(column.rule.strategy) ? `AND NOT ${s}.fake_shaped(${quoteLiteral(column.rule.strategy)}, v)` : '';
      const withDigits = column.rule.strategy === 'phone' || column.rule.strategy === 'scrubText';
      // Repeats, here or across columns, are harmless (verify reports each finding once), so DISTINCT
      // only saves work: where values repeat a lot (cities, postcodes) it goes before the hash, one hash
      // per value; where they are mostly distinct (at least half, by the statistics) there is none, as
      // finishing a DISTINCT is serial work for the leader; elsewhere, and for what free text and JSON
      // quote, it goes after the hash, so workers hash in parallel.
      const share = column.unique ? 1 : await distinctShare(client, table.table.schema, table.table.name, column.column.name);
      const repeats = share < FEW_DISTINCT;
      const wholeValues = column.rule.strategy !== 'scrubText' && column.rule.strategy !== 'json';
      const originals = `(SELECT ${repeats ? 'DISTINCT' : ''} v FROM (${values}) AS x WHERE v IS NOT NULL AND length(btrim(v)) >= ${MIN_FINGERPRINT_LENGTH} ${exclude})`;
      // d: the original is all digits, the only fingerprints the digits of a token found in text can meet.
      const hashes = withDigits
        ? `SELECT ${s}.fingerprint(x.v) AS f, btrim(x.v) ~ '^[0-9]+$' AS d FROM ${originals} AS o CROSS JOIN LATERAL (VALUES (o.v), (CASE WHEN length(${s}.digits(o.v)) >= 7 THEN ${s}.digits(o.v) END)) AS x(v) WHERE x.v IS NOT NULL`
        : `SELECT ${s}.fingerprint(o.v) AS f, btrim(o.v) ~ '^[0-9]+$' AS d FROM ${originals} AS o`;
      const fingerprints = repeats || (wholeValues && share >= MOSTLY_DISTINCT) ? hashes : `SELECT DISTINCT f, d FROM (${hashes}) AS h`;
      parts.push(`SELECT f AS fp, ${quoteLiteral(`${table.table.qualified}.${column.column.name}`)}::text AS source, d AS digits FROM (${fingerprints}) AS y`);
    }
  }
  await useParallelScans(client);
  // No index: verify joins the whole table by hash, which an index would not speed up.
  await client.query(`CREATE TABLE ${FINGERPRINT_TABLE} AS ${parts.length > 0 ? parts.join('\n UNION ALL ') : 'SELECT NULL::bytea AS fp, NULL::text AS source, NULL::boolean AS digits WHERE false'}`);
  await client.query(`ANALYZE ${FINGERPRINT_TABLE}`);
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${FINGERPRINT_TABLE}`);
  return rows[0]?.n ?? 0;
}
