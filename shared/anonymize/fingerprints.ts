import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../db/client';
import { parseJsonPath, toSqlJsonPath } from './json-path';
import { FINGERPRINT_TABLE } from './mask-schema';
import type { ColumnPlan, MaskPlan } from './plan';
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

/**
 * Stores keyed fingerprints of the original values of every masked column before anything is masked:
 * whole values, the PII found inside free text and JSON, and phone numbers as bare digits too. Originals
 * a dictionary fake could equal by chance are left out. One scan per column; returns the total count.
 */
export async function takeFingerprints(client: pg.Client, plan: MaskPlan): Promise<number> {
  for (const table of plan.tables) {
    if (table.truncate) continue;
    const name = `${quoteIdent(table.table.schema)}.${quoteIdent(table.table.name)}`;
    for (const column of table.masked) {
      const values = originalValuesSql(name, column);
      if (!values) continue;
      const exclude = DICTIONARY_KINDS.has(column.rule.strategy) ? `AND NOT ${s}.fake_shaped(${quoteLiteral(column.rule.strategy)}, v)` : '';
      const withDigits = column.rule.strategy === 'phone' || column.rule.strategy === 'scrubText';
      // DISTINCT per column (cities, streets and postcodes repeat: one hash each, not one per row); no key on
      // the table, since repeats across columns are harmless (verify reports each finding once).
      const fingerprints = withDigits
        ? `SELECT ${s}.fingerprint(x.v) AS f FROM originals AS o CROSS JOIN LATERAL (VALUES (o.v), (CASE WHEN length(${s}.digits(o.v)) >= 7 THEN ${s}.digits(o.v) END)) AS x(v) WHERE x.v IS NOT NULL`
        : `SELECT ${s}.fingerprint(v) AS f FROM originals`;
      await client.query(
        `WITH originals AS (SELECT DISTINCT v FROM (${values}) AS x WHERE v IS NOT NULL AND length(btrim(v)) >= ${MIN_FINGERPRINT_LENGTH} ${exclude})
         INSERT INTO ${FINGERPRINT_TABLE} (fp, source) SELECT f, $1 FROM (${fingerprints}) AS y`,
        [`${table.table.qualified}.${column.column.name}`],
      );
    }
  }
  // No index: verify joins the whole table by hash, which an index would not speed up.
  await client.query(`ANALYZE ${FINGERPRINT_TABLE}`);
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${FINGERPRINT_TABLE}`);
  return rows[0]?.n ?? 0;
}
