import { quoteIdent, quoteLiteral } from '../db/client';
import type { TableInfo } from '../anonymize/catalog';
import type { TablePlan } from '../anonymize/plan';
import { typeClassOf } from '../anonymize/strategies';
import { MASK_SCHEMA } from '../anonymize/sql/core';
import { FINGERPRINT_TABLE } from '../anonymize/mask-schema';
import { DETECTORS, piiTokenScansSql } from '../anonymize/sql/detectors';
import { phrasesSql, searchesPhrases, type PhraseSearch } from '../anonymize/known-values';

const s = MASK_SCHEMA;

/** SQL naming a row in findings: its primary key (`id=42`), or its physical position when it has none. */
function rowKeySql(table: TableInfo): string {
  if (table.primaryKey.length === 0) return `'ctid=' || t.ctid::text`;
  return table.primaryKey.map((column) => `${quoteLiteral(`${column}=`)} || coalesce(t.${quoteIdent(column)}::text, 'NULL')`).join(` || ',' || `);
}

/** Strategies whose output is free text: their values are searched token by token, not only whole. */
const FREE_TEXT = new Set(['', 'keep', 'scrubText', 'json']);

/**
 * The cells of a table worth searching, as (row_key, col, val, kind, free): every text-like value, every
 * element of a text array, every string inside a JSON document. `kind` is the strategy that masked the
 * column ('' for kept columns): a value shaped like that strategy's fakes is not fingerprinted (it is
 * one), and only free text (`free`) is searched token by token, since a masked column holds one fake.
 */
function cellsSql(plan: TablePlan, range?: string): string | undefined {
  const table = plan.table;
  const from = `${quoteIdent(table.schema)}.${quoteIdent(table.name)} AS t`;
  const key = rowKeySql(table);
  const within = range === undefined ? '' : ` AND ${range}`;
  const parts: string[] = [];
  for (const column of table.columns) {
    const cls = typeClassOf(column);
    if (cls !== 'text' && cls !== 'json') continue;
    const ref = `t.${quoteIdent(column.name)}`;
    const strategy = plan.masked.find((masked) => masked.column.name === column.name)?.rule.strategy ?? '';
    const kind = `${quoteLiteral(strategy)} AS kind, ${FREE_TEXT.has(strategy) || cls === 'json'} AS free`;
    const name = quoteLiteral(column.name);
    if (cls === 'json') {
      const docs = column.isArray ? `unnest(${ref}) AS d(doc)` : `LATERAL (SELECT ${ref}::jsonb AS doc) AS d`;
      parts.push(`SELECT ${key} AS row_key, ${name} AS col, leaf #>> '{}' AS val, ${kind} FROM ${from}, ${docs}, jsonb_path_query(d.doc::jsonb, 'strict $.**') AS leaf WHERE jsonb_typeof(leaf) = 'string'${within}`);
    } else if (column.isArray) {
      parts.push(`SELECT ${key} AS row_key, ${name} AS col, e::text AS val, ${kind} FROM ${from}, unnest(${ref}) AS e WHERE e IS NOT NULL${within}`);
    } else {
      parts.push(`SELECT ${key} AS row_key, ${name} AS col, ${ref}::text AS val, ${kind} FROM ${from} WHERE ${ref} IS NOT NULL${within}`);
    }
  }
  return parts.length === 0 ? undefined : parts.join('\nUNION ALL\n');
}

/**
 * One query per table finding (row_key, col, finding): a whole value whose fingerprint is an original's,
 * a token inside a value (email, phone, card, IBAN, IP, run of capitalised words, and the phrases
 * `phrases` calls for: those that could be a street, city, username or postcode) whose fingerprint is
 * an original's, or a token the detectors find that is neither reserved nor a fake. A fake phone number
 * in text scrubText masked may equal some original by chance (same country code and length): such a
 * match is not reported there, only in text no rule masked. `range`, when given, limits the scan to
 * some rows (a condition over alias `t`, such as a ctid range). Never returns a value.
 */
export function findingsSql(plan: TablePlan, limit: number, phrases: PhraseSearch = { words: 0, usernames: false }, range?: string): string | undefined {
  const cells = cellsSql(plan, range);
  if (!cells) return undefined;
  const phraseTokens = !searchesPhrases(phrases) ? '' : `UNION ALL
    SELECT val, col, 'phrase', tok, kind FROM (${phrasesSql('vals c', 'c.val', 'c.val, c.col, c.kind, c.free', phrases)}) AS p WHERE p.free`;
  // The searches run once per distinct value of a column (statuses, cities, a bot's stock replies
  // repeat), and only the values found are joined back to the rows holding them; with nothing found
  // (a passing verify) that join is skipped, not planned over every cell.
  return `WITH cells AS MATERIALIZED (${cells}),
  vals AS MATERIALIZED (SELECT col, val, kind, free FROM cells GROUP BY col, val, kind, free),
  tokens AS MATERIALIZED (
    SELECT val, col, kind, token, masked_by FROM (${piiTokenScansSql('(SELECT * FROM vals WHERE free) AS c', 'c.val', 'c.val, c.col, c.kind AS masked_by')}) AS p
    UNION ALL
    SELECT c.val, c.col, 'name', x[1], c.kind FROM vals c CROSS JOIN LATERAL regexp_matches(c.val, ${quoteLiteral(DETECTORS.name)}, 'g') AS x
     WHERE c.free AND c.val ~ '[[:upper:]][[:lower:]]'
    ${phraseTokens}
  ),
  whole AS MATERIALIZED (
    SELECT col, val FROM vals c WHERE length(btrim(c.val)) >= 4 AND (c.free OR NOT ${s}.fake_shaped(c.kind, c.val))
  ),
  found AS (
  SELECT col, val, 'original value of ' || f.source AS finding
    FROM whole c JOIN ${FINGERPRINT_TABLE} f ON f.fp = ${s}.fingerprint(c.val)
  UNION ALL
  SELECT col, val, CASE WHEN f1.fp IS NOT NULL THEN 'original value of ' || f1.source
                        WHEN f2.fp IS NOT NULL THEN 'original value of ' || f2.source
                        ELSE x.kind || ' outside reserved fake ranges' END
    FROM tokens x
    LEFT JOIN ${FINGERPRINT_TABLE} f1 ON f1.fp = ${s}.fingerprint(x.token)
    LEFT JOIN (SELECT fp, source FROM ${FINGERPRINT_TABLE} WHERE digits) f2 ON length(${s}.digits(x.token)) >= 7 AND f2.fp = ${s}.fingerprint(${s}.digits(x.token))
   WHERE ((f1.fp IS NOT NULL OR f2.fp IS NOT NULL) AND NOT (x.masked_by IN ('scrubText', 'json') AND x.kind = 'phone' AND ${s}.is_fake_phone(x.token)))
      OR ${s}.token_live(x.kind, x.token))
  SELECT DISTINCT c.row_key, c.col, found.finding FROM found JOIN cells c ON c.col = found.col AND c.val = found.val
   WHERE EXISTS (SELECT 1 FROM found)
  LIMIT ${limit}`;
}
