import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../db/client';
import { SYSTEM_SCHEMAS, type ColumnInfo, type TableInfo } from '../anonymize/catalog';
import { readableLargeObjectSql } from '../anonymize/large-objects';
import { ownRowsSql, type TablePlan } from '../anonymize/plan';
import { typeClassOf } from '../anonymize/strategies';
import { bytesTextSql, fingerprintSql, MASK_SCHEMA, textOf } from '../anonymize/sql/core';
import { FINGERPRINT_SOURCES_TABLE, FINGERPRINT_TABLE } from '../anonymize/mask-schema';
import { COLUMN_STATISTICS_SQL, DISTINCT_SHARE_SQL } from '../anonymize/fingerprints';
import { base64TextsSql, DETECTORS, NAME_START, nameRunsSql, piiTokenScansSql, singleSpacedSql } from '../anonymize/sql/detectors';
import { CREDENTIAL_SQL_PATTERN, credentialKindSql, mayHoldCredentialSql } from '../anonymize/credentials';
import { joinedNamesSql, keyedPlacePhrasesSql, phrasesSql, searchesPhrases, unspacedRunsSql, wordPhrasesSql, type PhraseSearch } from '../anonymize/sql/candidates';
import { UNSPACED_STARTS } from '../anonymize/unspaced-names';

const s = MASK_SCHEMA;

/** The row key of a finding among the values the planner statistics quote (see cellsSql). */
const STATISTICS_ROW = 'pg_stats';

/** SQL naming a row in findings: its primary key (`id=42`), or its physical position when it has none. */
function rowKeySql(table: TableInfo): string {
  if (table.primaryKey.length === 0) return `'ctid=' || t.ctid::text`;
  return table.primaryKey.map((column) => `${quoteLiteral(`${column}=`)} || coalesce(t.${quoteIdent(column)}::text, 'NULL')`).join(` || ',' || `);
}

/**
 * Types no strategy masks but whose text form holds words: a `tsvector` keeps the lexemes of the text
 * it was made from (a trigger-maintained one, production's: no trigger fires while masking), `xml` and
 * `hstore` (an extension's type) hold documents and key-value pairs. Verify searches them, and composite
 * (row) types (`("Ann Smith",ann@gmail.com)`), as free text.
 */
const WORDY_TYPES = new Set(['tsvector', 'xml', 'hstore']);

/**
 * The kind of a `bytea` cell holding a zero byte: binary (an image, a PDF, a serialised object), where
 * the detectors would read emails and numbers into random bytes. It is searched for originals only,
 * like schema text; a `bytea` without a zero byte is text in all but type, searched as kept free text.
 */
const BINARY = 'binary';

/** The kind of a cell of schema text (see {@link schemaTextCellsSql}): searched for originals only. */
const SCHEMA_TEXT = 'schema';

/** Kinds of cells searched for originals only: neither the detectors nor single words or phrases, as an SQL list. */
const ORIGINALS_ONLY = [SCHEMA_TEXT, BINARY].map(quoteLiteral).join(', ');
/**
 * The cells searched word by word for a full name in other capitals than its column's (`hi im marguerite
 * okonkwo`), or joined into a handle or a link's slug (`marguerite.okonkwo`): kept columns' (kind '')
 * and JSON documents' (whose other paths are kept). In columns that
 * `scrubText` masked, such names were looked for before masking and replaced; reading every two and
 * three words of every text again would cost verify half as much again on the benchmark's bios.
 */
const RECASED_SEARCHED = ["''", quoteLiteral('json')].join(', ');

/** SQL giving the kind of the `bytea` value `bytes`: {@link BINARY}, or `strategy` when it holds no zero byte. */
const bytesKindSql = (bytes: string, strategy: string): string => `CASE WHEN position('\\x00'::bytea IN ${bytes}) > 0 THEN ${quoteLiteral(BINARY)} ELSE ${quoteLiteral(strategy)} END`;

/** Strategies whose output is free text: their values are searched token by token, not only whole. */
const FREE_TEXT = new Set(['', 'keep', 'scrubText', 'json']);

/**
 * A LATERAL subquery giving, as `<alias>.v` (`jt.v` by default), the text a JSON document `doc` (jsonb) holds: its strings,
 * its numbers of 8 digits or more (a phone number kept as a number: `"phone": 447700900123`), and its
 * objects' keys (a map keyed by email holds its emails there). Two path queries filtered in the path:
 * half the time of one `$.**` walk typed in SQL (2.0 s against 3.4 s for 200k documents).
 */
function jsonTextsSql(doc: string, alias = 'jt'): string {
  return `LATERAL (SELECT jsonb_path_query(${doc}, 'strict $.** ? (@.type() == "string" || (@.type() == "number" && @ >= ${PHONE_SIZED}))') #>> '{}'
      UNION ALL SELECT jsonb_object_keys(jsonb_path_query(${doc}, 'strict $.** ? (@.type() == "object")'))) AS ${alias}(v)`;
}

/**
 * The cells of a table worth searching, as (row_key, col, val, kind, free): every text-like value, every
 * element of a text array, every string and key inside a JSON document. `kind` is the strategy that masked the
 * column ('' for kept columns): a value shaped like that strategy's fakes is not fingerprinted (it is
 * one), and only free text (`free`) is searched token by token, since a masked column holds one fake.
 * With `statistics`, also the values the planner statistics quote (`pg_stats`: most common values and
 * histogram bounds of each text and jsonb column, the strings inside those documents, most common
 * elements of each text array), as cells of row `pg_stats`: any role that may read a column may read
 * them, and they outlive deleted rows; and those of its indexes and extended statistics objects.
 */
function cellsSql(plan: TablePlan, range?: string, statistics?: StatisticsViews, numbers: ReadonlySet<string> = new Set()): string | undefined {
  const table = plan.table;
  // ONLY: an inheritance child's rows are its own table's cells, reported under its name, not twice.
  const from = `${ownRowsSql(plan)} AS t`;
  const key = rowKeySql(table);
  const within = range === undefined ? '' : ` AND ${range}`;
  const parts: string[] = [];
  // The values pg_stats quotes for one column (`st`), expanded by `expand` into `v` (text) and filtered by `where`.
  const quoted = (name: string, kind: string, expand: string, where = ''): string =>
    `SELECT ${quoteLiteral(STATISTICS_ROW)} AS row_key, ${name} AS col, v AS val, ${kind} FROM pg_stats st ${expand}
          WHERE st.schemaname = ${quoteLiteral(table.schema)} AND st.tablename = ${quoteLiteral(table.name)} AND st.attname = ${name}${where}`;
  for (const column of table.columns) {
    const cls = typeClassOf(column);
    const wordy = cls === 'other' && (WORDY_TYPES.has(column.baseType) || column.composite === true);
    const bytes = column.baseType === 'bytea';
    const ref = `t.${quoteIdent(column.name)}`;
    const strategy = plan.masked.find((masked) => masked.column.name === column.name)?.rule.strategy ?? '';
    // A kept bigint or numeric of 8 digits or more may be a phone number's digits (a WhatsApp id, an
    // MSISDN): searched as a bare number, which only an original's digits make PII. Ids below that are not looked at.
    if (numbers.has(column.name) && NUMBER_TYPES.has(column.baseType) && !column.isArray && strategy === '') {
      parts.push(`SELECT ${key} AS row_key, ${quoteLiteral(column.name)} AS col, trunc(${ref})::text AS val, '' AS kind, true AS free FROM ${from} WHERE ${ref} >= ${PHONE_SIZED}${within}`);
      continue;
    }
    // A kept inet column: its addresses, as free text reads them (a public one is personal data).
    if (cls === 'inet' && !column.isArray && strategy === '') {
      parts.push(`SELECT ${key} AS row_key, ${quoteLiteral(column.name)} AS col, host(${ref}) AS val, '' AS kind, true AS free FROM ${from} WHERE ${ref} IS NOT NULL${within}`);
      continue;
    }
    if (cls !== 'text' && cls !== 'json' && !wordy && !bytes) continue;
    const free = FREE_TEXT.has(strategy) || cls === 'json' || wordy || bytes;
    const kind = `${quoteLiteral(strategy)} AS kind, ${free} AS free`;
    const name = quoteLiteral(column.name);
    if (bytes) {
      const values = column.isArray ? `unnest(${ref}) AS e(b) WHERE e.b IS NOT NULL` : `LATERAL (SELECT ${ref}) AS e(b) WHERE e.b IS NOT NULL`;
      const bytesKind = `${bytesKindSql('b', strategy)} AS kind, ${free} AS free`;
      parts.push(`SELECT ${key} AS row_key, ${name} AS col, ${bytesTextSql('e.b')} AS val, ${bytesKind} FROM ${from}, ${values}${within}`);
      if (statistics) {
        const lists = column.isArray ? `st.most_common_elems::text::bytea[]` : `coalesce(st.most_common_vals::text::bytea[], '{}') || coalesce(st.histogram_bounds::text::bytea[], '{}')`;
        parts.push(quoted(name, bytesKind, `CROSS JOIN LATERAL unnest(coalesce(${lists}, '{}')) AS b CROSS JOIN LATERAL (SELECT ${bytesTextSql('b')}) AS ev(v)`));
      }
    } else if (wordy) {
      // Searched in their text form, as free text: `'ann.smith@gmail.com':5 'annabel':2`, `<email>…</email>`.
      // An array of a row type is unnested as text: unnested as rows, its fields would be columns of their own.
      const values = column.isArray ? `unnest(${ref}::text[]) AS e(v) WHERE e.v IS NOT NULL` : `LATERAL (SELECT ${ref}) AS e(v) WHERE e.v IS NOT NULL`;
      parts.push(`SELECT ${key} AS row_key, ${name} AS col, e.v::text AS val, ${kind} FROM ${from}, ${values}${within}`);
      // A tsvector's statistics quote its most common lexemes; a row type's, its most common values and bounds.
      const lists = column.composite === true && !column.isArray
        ? `coalesce(st.most_common_vals::text::text[], '{}') || coalesce(st.histogram_bounds::text::text[], '{}')`
        : `coalesce(st.most_common_elems::text::text[], '{}')`;
      if (statistics) parts.push(quoted(name, kind, `CROSS JOIN LATERAL unnest(${lists}) AS v`));
    } else if (cls === 'json') {
      const docs = column.isArray ? `unnest(${ref}) AS d(doc)` : `LATERAL (SELECT ${ref}::jsonb AS doc) AS d`;
      parts.push(`SELECT ${key} AS row_key, ${name} AS col, jt.v AS val, ${kind} FROM ${from}, ${docs}, ${jsonTextsSql('d.doc::jsonb')} WHERE true${within}`);
      // A json (not jsonb) document keeps every value of a repeated key, which its jsonb form drops: its text is searched too.
      if (column.baseType === 'json') {
        const texts = column.isArray ? `unnest(${ref}) AS e(doc) WHERE e.doc IS NOT NULL` : `LATERAL (SELECT ${ref} AS doc) AS e WHERE e.doc IS NOT NULL`;
        parts.push(`SELECT ${key} AS row_key, ${name} AS col, e.doc::text AS val, ${quoteLiteral(strategy)} AS kind, true AS free FROM ${from}, ${texts}${within}`);
      }
      // Whole documents (jsonb only: json has no equality, so no statistics of values).
      if (statistics && !column.isArray && column.baseType === 'jsonb') {
        parts.push(quoted(name, kind, `CROSS JOIN LATERAL unnest(coalesce(st.most_common_vals::text::jsonb[], '{}') || coalesce(st.histogram_bounds::text::jsonb[], '{}')) AS sd(doc)
          CROSS JOIN ${jsonTextsSql('sd.doc', 'sv')}`));
      }
    } else if (column.isArray) {
      parts.push(`SELECT ${key} AS row_key, ${name} AS col, ${textOf('e')} AS val, ${kind} FROM ${from}, unnest(${ref}) AS e WHERE e IS NOT NULL${within}`);
      // Most common elements: whole arrays are quoted too, but as elements these are the same values.
      if (statistics) parts.push(quoted(name, kind, `CROSS JOIN LATERAL unnest(coalesce(st.most_common_elems::text::text[], '{}')) AS v`));
    } else {
      parts.push(`SELECT ${key} AS row_key, ${name} AS col, ${textOf(ref)} AS val, ${kind} FROM ${from} WHERE ${ref} IS NOT NULL${within}`);
      if (statistics) {
        parts.push(quoted(name, kind, `CROSS JOIN LATERAL unnest(coalesce(st.most_common_vals::text::text[], '{}') || coalesce(st.histogram_bounds::text::text[], '{}')) AS v`));
      }
    }
  }
  // Only if a column is searched: an index's expressions are of the table's columns.
  if (statistics && parts.length > 0) parts.push(indexStatisticsSql(table), extendedStatisticsSql(table, statistics));
  return parts.length === 0 ? undefined : parts.join('\nUNION ALL\n');
}

/**
 * The values the statistics of the table's indexes quote, as free text cells of row `pg_stats`,
 * column `index <name> (<expression column>)`: an expression index (`lower(email)`, `to_tsvector(body)`)
 * has statistics of its own. Each list unnested apart: an expression's values may be arrays.
 */
function indexStatisticsSql(table: TableInfo): string {
  const relation = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  return `SELECT ${quoteLiteral(STATISTICS_ROW)} AS row_key, 'index ' || st.tablename || ' (' || st.attname || ')' AS col, u.v AS val, '' AS kind, true AS free
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
      JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = i.relname
      CROSS JOIN LATERAL (SELECT unnest(st.most_common_vals::text::text[]) UNION ALL SELECT unnest(st.histogram_bounds::text::text[])
                          UNION ALL SELECT unnest(st.most_common_elems::text::text[])) AS u(v)
     WHERE x.indrelid = ${quoteLiteral(relation)}::regclass`;
}

/** The statistics views of this server beyond `pg_stats` and `pg_stats_ext` (see {@link statisticsViews}). */
export interface StatisticsViews {
  /** `pg_stats_ext_exprs`: the statistics of the expressions of extended statistics objects (PostgreSQL 14 and later). */
  readonly expressions: boolean;
}

/** Which statistics views this server has. */
export async function statisticsViews(client: pg.Client): Promise<StatisticsViews> {
  const { rows } = await client.query<{ expressions: boolean }>("SELECT to_regclass('pg_catalog.pg_stats_ext_exprs') IS NOT NULL AS expressions");
  return { expressions: rows[0]?.expressions === true };
}

/**
 * The values the table's extended statistics objects quote (`CREATE STATISTICS`), as free text cells of
 * row `pg_stats`, column `statistics <name>` (or `statistics <name> (<expression>)`): the most common
 * combinations of their columns, and their expressions' most common values and bounds. ANALYZE leaves
 * an object it cannot build (its target or a column's is 0) quoting what it quoted before masking.
 */
function extendedStatisticsSql(table: TableInfo, views: StatisticsViews): string {
  const of = (view: string): string => `${view}.schemaname = ${quoteLiteral(table.schema)} AND ${view}.tablename = ${quoteLiteral(table.name)}`;
  const combinations = `SELECT ${quoteLiteral(STATISTICS_ROW)} AS row_key, 'statistics ' || e.statistics_name AS col, v AS val, '' AS kind, true AS free
      FROM pg_stats_ext e CROSS JOIN LATERAL unnest(e.most_common_vals) AS v WHERE ${of('e')} AND v IS NOT NULL`;
  if (!views.expressions) return combinations;
  return `${combinations}
    UNION ALL
    SELECT ${quoteLiteral(STATISTICS_ROW)}, 'statistics ' || x.statistics_name || ' (' || x.expr || ')', u.v, '', true
      FROM pg_stats_ext_exprs x
      CROSS JOIN LATERAL (SELECT unnest(x.most_common_vals::text::text[]) UNION ALL SELECT unnest(x.histogram_bounds::text::text[])
                          UNION ALL SELECT unnest(x.most_common_elems::text::text[])) AS u(v)
     WHERE ${of('x')} AND u.v IS NOT NULL`;
}

/**
 * One query per table finding (row_key, col, finding): a whole value whose fingerprint is an original's,
 * a token inside a value (email, phone, card, IBAN, IP, run of capitalised words, and the phrases
 * `phrases` calls for: those that could be a street, city, username or postcode) whose fingerprint is
 * an original's, or a token the detectors find that is neither reserved nor a fake. A fake phone number
 * in text scrubText masked may equal some original by chance (same country code and length): such a
 * match is not reported there, only in text no rule masked. {@link FindingsOptions} says which rows
 * and what else to search. An original a dictionary fake could equal (fingerprint source `kept_only`)
 * is reported in the rows of kept columns only, and not at all in a `derived` table (a materialized
 * view, refreshed from masked tables, holds their fakes in columns no rule names). Never returns a value.
 */
export function findingsSql(plan: TablePlan, limit: number, phrases: PhraseSearch = { words: 0, usernames: false }, options: FindingsOptions = {}): string | undefined {
  const cells = cellsSql(plan, options.range, options.statistics, options.numbers);
  return cells === undefined ? undefined : findingsInCellsSql(cells, limit, phrases, false, options.distinct, options.derived !== true);
}

/** How {@link findingsSql} searches a table. */
export interface FindingsOptions {
  /** Limits the scan to some rows: a condition over alias `t`, such as a ctid range. */
  readonly range?: string | undefined;
  /** The statistics views this server has: their values are searched too (row `pg_stats`), for one of a table's ranges. */
  readonly statistics?: StatisticsViews | undefined;
  /** Columns searched ungrouped ({@link mostlyDistinctColumns}). */
  readonly distinct?: ReadonlySet<string>;
  /** A materialized view: its kept columns may hold fakes. */
  readonly derived?: boolean;
  /** Kept bigint columns that may hold phone numbers' digits ({@link phoneSizedNumberColumns}). */
  readonly numbers?: ReadonlySet<string>;
}

/** Below this, a kept number is no phone number: the shortest bare number the detectors read as one has 8 digits. */
const PHONE_SIZED = 10_000_000;
/** Types of kept columns that may hold a phone number's digits (`msisdn numeric(15)`, a WhatsApp id in a bigint). */
const NUMBER_TYPES = new Set(['int8', 'numeric']);

/**
 * The table's bigint and numeric columns no rule masks whose values may be phone numbers' digits (a WhatsApp id):
 * by the planner's statistics, some value of 8 digits or more, or statistics that list no value (no
 * statistics; one row or a few, all distinct). Ids of a table that
 * never reached ten million rows are not searched (each column searched is a scan of the table).
 */
export async function phoneSizedNumberColumns(client: pg.Client, plan: TablePlan): Promise<Set<string>> {
  const kept = plan.table.columns
    .filter((column) => NUMBER_TYPES.has(column.baseType) && !column.isArray && !plan.masked.some((masked) => masked.column.name === column.name))
    .map((column) => column.name);
  if (kept.length === 0) return new Set();
  const { rows } = await client.query<{ name: string }>(
    `SELECT a.name FROM unnest($3::text[]) AS a(name)
       LEFT JOIN pg_stats st ON st.schemaname = $1 AND st.tablename = $2 AND st.attname = a.name AND NOT st.inherited
      WHERE st.attname IS NULL OR (st.histogram_bounds IS NULL AND st.most_common_vals IS NULL AND st.null_frac < 1)
         OR EXISTS (SELECT FROM unnest(coalesce(st.histogram_bounds::text::numeric[], '{}') || coalesce(st.most_common_vals::text::numeric[], '{}')) AS v WHERE v >= $4)`,
    [plan.table.schema, plan.table.name, kept, PHONE_SIZED],
  );
  return new Set(rows.map((row) => row.name));
}

/** From this share of distinct values on (by the planner's statistics), a column's values are searched without deduplicating them first. */
const UNGROUPED_SHARE = 0.9;

/**
 * The table's scalar text columns whose values (NULLs aside) are almost all distinct by the planner's
 * statistics (emails, names, phone numbers, free text that never repeats): {@link findingsSql} searches their
 * values as they come, since grouping them first costs more than the few repeats it saves (on the
 * benchmark, searching its emails and phone numbers ungrouped took verify from 42 to 36 core-seconds).
 * A column without statistics is grouped, as a bot's stock replies would need.
 */
export async function mostlyDistinctColumns(client: pg.Client, table: TableInfo): Promise<Set<string>> {
  const scalarText = table.columns.filter((column) => typeClassOf(column) === 'text' && !column.isArray).map((column) => column.name);
  if (scalarText.length === 0) return new Set();
  const { rows } = await client.query<{ attname: string }>(
    `SELECT st.attname FROM ${COLUMN_STATISTICS_SQL}
      WHERE st.schemaname = $1 AND st.tablename = $2 AND st.attname = ANY ($3::text[]) AND NOT st.inherited
        AND st.null_frac < 1 AND coalesce(${DISTINCT_SHARE_SQL}, 0) / (1 - st.null_frac) >= $4`,
    [table.schema, table.name, scalarText, UNGROUPED_SHARE],
  );
  return new Set(rows.map((row) => row.attname));
}

/** Whether a column refers to large objects (`oid`, or a domain over it such as the `lo` extension's). */
export const refersToLargeObjects = (column: ColumnInfo): boolean => column.baseType === 'oid' && !column.isArray;

/**
 * One query finding (row_key, col, finding) in the contents of the large objects that `column` of the
 * table refers to, read as the text in their bytes like a `bytea` (free text without a zero byte,
 * originals only with one), reported under the column and row that refer to them. Objects this role
 * may not read are left to `unreadableLargeObjects` (large-objects.ts). Its own statement: `lo_get`
 * is parallel unsafe, and would take the parallel workers from the rest of the table's search.
 */
export function largeObjectFindingsSql(plan: TablePlan, column: ColumnInfo, limit: number, phrases: PhraseSearch = { words: 0, usernames: false }): string {
  const ref = `t.${quoteIdent(column.name)}`;
  const contents = `CASE WHEN EXISTS (SELECT FROM pg_largeobject_metadata m WHERE m.oid = ${ref} AND ${readableLargeObjectSql('m')}) THEN lo_get(${ref}) END`;
  const cells = `SELECT ${rowKeySql(plan.table)} AS row_key, ${quoteLiteral(column.name)} AS col, ${bytesTextSql('o.b')} AS val, ${bytesKindSql('o.b', '')} AS kind, true AS free
      FROM ${ownRowsSql(plan)} AS t CROSS JOIN LATERAL (SELECT ${contents} AS b) AS o WHERE ${ref} IS NOT NULL AND o.b IS NOT NULL`;
  return findingsInCellsSql(cells, limit, phrases);
}

/**
 * The text the database's own objects carry, as cells (row_key, col, val, kind, free): bodies of
 * functions and procedures, definitions of views and materialized views, rewrite rules, triggers
 * (their `WHEN` conditions), column and domain defaults, check constraints, index definitions, policy
 * expressions, publication row filters (`publicationFilters`: PostgreSQL 15 and later), comments,
 * the options of foreign servers and tables, and the settings of this database and of roles in it
 * (`ALTER DATABASE … SET`, `ALTER ROLE … SET`).
 * Production's code can quote a person (a hard-coded VIP email in a function, a partial index
 * excluding one customer, a comment naming who asked for a column), and masking rows cannot reach it.
 * `row_key` names the object (`function public.is_vip(text)`), `col` the system catalog and column it
 * comes from (`pg_proc.prosrc`). Objects of extensions and of the system are left out.
 */
function schemaTextCellsSql(publicationFilters: boolean): string {
  const system = SYSTEM_SCHEMAS.map(quoteLiteral).join(', ');
  const user = (namespace: string): string => `${namespace}::regnamespace::text NOT IN (${system})`;
  const notExtension = (catalog: string, oid: string): string =>
    `NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;
  const cell = (key: string, col: string, val: string, from: string): string =>
    `SELECT ${key} AS row_key, ${quoteLiteral(col)} AS col, ${val} AS val, ${quoteLiteral(SCHEMA_TEXT)} AS kind, true AS free FROM ${from}`;
  const describe = (catalog: string, oid: string): string => `pg_describe_object('${catalog}'::regclass, ${oid}, 0)`;
  return [
    cell(describe('pg_proc', 'p.oid'), 'pg_proc.prosrc', 'pg_get_functiondef(p.oid)',
      `pg_proc p WHERE p.prokind IN ('f', 'p') AND ${user('p.pronamespace')} AND ${notExtension('pg_proc', 'p.oid')}
        AND p.prolang NOT IN (SELECT l.oid FROM pg_language l WHERE l.lanname IN ('internal', 'c'))`),
    cell(describe('pg_class', 'c.oid'), 'pg_views.definition', 'pg_get_viewdef(c.oid)',
      `pg_class c WHERE c.relkind IN ('v', 'm') AND ${user('c.relnamespace')} AND ${notExtension('pg_class', 'c.oid')}`),
    cell(describe('pg_rewrite', 'r.oid'), 'pg_rules.definition', 'pg_get_ruledef(r.oid)',
      `pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE r.rulename <> '_RETURN' AND ${user('c.relnamespace')}`),
    cell(describe('pg_attrdef', 'd.oid'), 'pg_attrdef.adbin', 'pg_get_expr(d.adbin, d.adrelid)',
      `pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid WHERE ${user('c.relnamespace')} AND ${notExtension('pg_class', 'c.oid')}`),
    cell(describe('pg_constraint', 'k.oid'), 'pg_constraint.conbin', 'pg_get_constraintdef(k.oid)',
      `pg_constraint k WHERE k.contype = 'c' AND ${user('k.connamespace')}`),
    cell(describe('pg_class', 'i.indexrelid'), 'pg_index.indexdef', 'pg_get_indexdef(i.indexrelid)',
      `pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE (i.indpred IS NOT NULL OR i.indexprs IS NOT NULL) AND ${user('c.relnamespace')}`),
    cell(describe('pg_policy', 'pol.oid'), 'pg_policy.polqual', `concat_ws(' ', pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid))`,
      'pg_policy pol'),
    cell(describe('pg_trigger', 'tg.oid'), 'pg_trigger.tgqual', 'pg_get_triggerdef(tg.oid)',
      `pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid WHERE NOT tg.tgisinternal AND tg.tgqual IS NOT NULL AND ${user('c.relnamespace')}`),
    cell(describe('pg_type', 'ty.oid'), 'pg_type.typdefault', 'ty.typdefault',
      `pg_type ty WHERE ty.typtype = 'd' AND ty.typdefault IS NOT NULL AND ${user('ty.typnamespace')} AND ${notExtension('pg_type', 'ty.oid')}`),
    ...(publicationFilters
      ? [cell(describe('pg_publication_rel', 'pr.oid'), 'pg_publication_rel.prqual', 'pg_get_expr(pr.prqual, pr.prrelid)', 'pg_publication_rel pr WHERE pr.prqual IS NOT NULL')]
      : []),
    // Foreign servers' and tables' options: some wrappers keep an API key there, not in a user mapping.
    cell(describe('pg_foreign_server', 'fs.oid'), 'pg_foreign_server.srvoptions', 'u.option',
      `pg_foreign_server fs CROSS JOIN LATERAL unnest(fs.srvoptions) AS u(option) WHERE ${notExtension('pg_foreign_server', 'fs.oid')}`),
    cell(describe('pg_class', 'ft.ftrelid'), 'pg_foreign_table.ftoptions', 'u.option', 'pg_foreign_table ft CROSS JOIN LATERAL unnest(ft.ftoptions) AS u(option)'),
    // Settings made with ALTER DATABASE / ALTER ROLE … SET, for this database or every one: a copy has production's.
    cell(`CASE WHEN r.setrole = 0 THEN 'database ' || current_database() ELSE 'role ' || r.setrole::regrole::text || CASE WHEN r.setdatabase = 0 THEN '' ELSE ' in database ' || current_database() END END`,
      'pg_db_role_setting.setconfig', 'u.setting',
      `pg_db_role_setting r CROSS JOIN LATERAL unnest(r.setconfig) AS u(setting)
        WHERE r.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))`),
    cell('pg_describe_object(d.classoid, d.objoid, d.objsubid)', 'pg_description.description', 'd.description',
      `pg_description d WHERE d.objoid >= 16384 AND NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e')`),
  ].join('\nUNION ALL\n');
}

/**
 * One query finding (row_key, col, finding) in the text of the database's own objects (see
 * {@link schemaTextCellsSql}): originals only, by fingerprint, whole or as tokens. The detectors are
 * not asked here: code names addresses and numbers of its own (a support mailbox, a test card), and
 * only a person's value masked elsewhere is personal data for certain. Nor are single capitalised
 * words or phrases probed: code is full of them (`Europe/London`, `Main`), a first name or a city
 * among the originals would match them, and a finding here can only be fixed in production's code.
 */
export function schemaTextFindingsSql(limit: number, phrases: PhraseSearch = { words: 0, usernames: false }, publicationFilters = false): string {
  return findingsInCellsSql(schemaTextCellsSql(publicationFilters), limit, phrases, true);
}

/** Whether this server's publications have row filters (`pg_publication_rel.prqual`, PostgreSQL 15 and later). */
export async function hasPublicationFilters(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ present: boolean }>(
    "SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'pg_catalog.pg_publication_rel'::regclass AND attname = 'prqual') AS present",
  );
  return rows[0]?.present === true;
}

/**
 * The search of {@link findingsSql} over any cells (row_key, col, val, kind, free). With `few` cells,
 * the fingerprints are filtered by the probes' (a scan with a lookup in a small hash) rather than all
 * hashed for a join (2 s over 6.3M fingerprints, for a few hundred probes).
 */
function findingsInCellsSql(cells: string, limit: number, phrases: PhraseSearch, few = false, distinct: ReadonlySet<string> = new Set(), keptShaped = false): string {
  const fingerprints = few ? `(SELECT * FROM ${FINGERPRINT_TABLE} WHERE fp IN (SELECT ${fingerprintSql('probe')} FROM probes))` : FINGERPRINT_TABLE;
  const phraseTokens = !searchesPhrases(phrases) ? '' : `UNION ALL
    SELECT val, col, 'phrase', tok, kind, encoded FROM (${phrasesSql('texts c', 'c.text', 'c.val, c.col, c.kind, c.encoded', phrases)}) AS p
     WHERE p.kind NOT IN (${ORIGINALS_ONLY})`;
  // Streets, cities and postcodes in any capitals (`ship to 12 harbour lane`), around their head words, in the cells searched word by word.
  const placeTokens = phrases.places !== true ? '' : `UNION ALL
    SELECT val, col, 'phrase', tok, kind, encoded FROM (${keyedPlacePhrasesSql('texts c', 'c.text', 'c.val, c.col, c.kind, c.encoded')}) AS pl
     WHERE pl.kind IN (${RECASED_SEARCHED})`;
  // Names glued to the words around them (我叫王小明): runs at a letter an original name written so starts with.
  const unspacedTokens = phrases.unspaced !== true ? '' : `UNION ALL
    SELECT val, col, 'name', tok, kind, encoded FROM (${unspacedRunsSql('texts c', 'c.text', 'c.val, c.col, c.kind, c.encoded', UNSPACED_STARTS)}) AS u
     WHERE u.kind NOT IN (${ORIGINALS_ONLY})`;
  // The searches run once per distinct value of a column (statuses, cities, a bot's stock replies
  // repeat), and only the values found are joined back to the rows holding them; with nothing found
  // (a passing verify) that join is skipped, not planned over every cell (nor are the cells stored:
  // they are read again only then). Whole values and tokens are probed together, so the fingerprints
  // are hashed once for both. A value shaped like its column's fakes is one (a fake can equal an
  // original by chance), so it is not probed, except where that check costs more than a probe (a fake
  // phone number's keyed check digits): there it is asked only of the values that match.
  // Digits are compared for phone and card numbers found in text only: names hold none, and the
  // digits of a phrase (`12 Long Street`), an email or an IP address are no phone number. They are
  // probes of their own, joined with the same hash of the fingerprints (where only fingerprints of
  // digits can meet them), not a second hash of those fingerprints joined with every probe. A bare
  // number (`16505551234`, how WhatsApp writes a phone) is probed by its digits only: by its shape it
  // is as much an order number, so it is PII only when it is an original's digits. A token's two probes
  // come from arrays unnested in the select list, not a LATERAL VALUES list (a node restarted per token).
  // Columns whose values are almost all distinct (mostlyDistinctColumns) are not grouped: the planner
  // drops the other branch's parts for each column, whose name is a constant there.
  const listed = [...distinct].map(quoteLiteral).join(', ');
  const vals = distinct.size === 0 ? 'SELECT col, val, kind, free FROM cells GROUP BY col, val, kind, free'
    : `SELECT col, val, kind, free FROM cells WHERE col NOT IN (${listed}) GROUP BY col, val, kind, free
       UNION ALL SELECT col, val, kind, free FROM cells WHERE col IN (${listed})`;
  // Free text is searched as it is and, for each base64 run of text in it (a logged webhook body), as
  // that text, and with its JSON escapes of letters read (Python's json.dumps writes Zoë as Zo\u00eb):
  // findings there say so. Values are searched and probed in composed form (nfc: Jose and a combining
  // accent is José), with %20 read as a space and an apostrophe's HTML entity as one (reading_form),
  // made once a value (composed, NULL where it is the value), where an expression over each text was
  // computed again at each of a dozen reads.
  return `WITH cells AS NOT MATERIALIZED (${cells}),
  vals AS MATERIALIZED (SELECT g.*, CASE WHEN octet_length(g.val) = length(g.val) AND strpos(g.val, '%20') = 0 AND strpos(g.val, '&') = 0 THEN NULL
    ELSE nullif(${s}.reading_form(${s}.nfc(g.val), ' '), g.val) END AS composed FROM (${vals}) AS g),
  decoded AS MATERIALIZED (SELECT col, val, kind, text, 'base64-encoded' AS encoded FROM (${base64TextsSql(`(SELECT * FROM vals WHERE free AND kind <> ${quoteLiteral(BINARY)}) AS c`, 'c.val', 'c.col, c.val, c.kind')}) AS e
    UNION ALL
    SELECT col, val, kind, ${s}.json_unescaped(val), 'JSON-escaped' FROM vals WHERE free AND kind <> ${quoteLiteral(BINARY)} AND strpos(val, '\\u') > 0),
  texts AS NOT MATERIALIZED (SELECT col, val, kind, coalesce(composed, val) AS text, NULL::text AS encoded FROM vals WHERE free
    UNION ALL SELECT col, val, kind, ${s}.nfc(text), encoded FROM decoded),
  tokens AS (
    SELECT val, col, kind, token, masked_by, encoded FROM (${piiTokenScansSql('texts AS c', 'c.text', 'c.val, c.col, c.kind AS masked_by, c.encoded', true)}) AS p
    UNION ALL
    SELECT c.val, c.col, 'name', unnest(${nameRunsSql('nr.r')}), c.kind, c.encoded FROM texts c CROSS JOIN LATERAL regexp_matches(c.text, ${quoteLiteral(DETECTORS.name)}, 'g') AS x,
           unnest(ARRAY[${singleSpacedSql('x[1]')}]) AS nr(r)
     WHERE c.text ~ ${quoteLiteral(NAME_START)} AND (c.kind NOT IN (${ORIGINALS_ONLY}) OR x[1] ~ '[[:space:]]')
    UNION ALL
    SELECT val, col, 'name', tok, kind, encoded FROM (${wordPhrasesSql('texts c', 'c.text', 'c.val, c.col, c.kind, c.encoded')}) AS w
     WHERE w.kind IN (${RECASED_SEARCHED})
    UNION ALL
    SELECT val, col, 'name', key, kind, encoded FROM (${joinedNamesSql('texts c', 'c.text', 'c.val, c.col, c.kind, c.encoded')}) AS j
     WHERE j.kind IN (${RECASED_SEARCHED})
    ${unspacedTokens}
    ${phraseTokens}
    ${placeTokens}
  ),
  probes AS (
    SELECT col, val, kind AS masked_by, free, NULL::text AS token_kind, NULL::text AS token, coalesce(c.composed, c.val) AS probe, false AS via_digits, NULL::text AS encoded FROM vals c
     WHERE length(btrim(c.val)) >= 4 AND (c.free OR c.kind = 'phone' OR NOT ${s}.fake_shaped(c.kind, c.val))
    UNION ALL
    SELECT x.col, x.val, x.masked_by, true, x.kind, x.token, x.probe, x.via_digits, x.encoded
      FROM (SELECT t.*, unnest(ARRAY[CASE WHEN t.kind <> 'number' THEN t.token END, CASE WHEN t.kind IN ('phone', 'card', 'number') THEN ${s}.digits(t.token) END]) AS probe,
                   unnest(ARRAY[false, true]) AS via_digits FROM tokens t) AS x
     WHERE x.probe IS NOT NULL AND (NOT x.via_digits OR length(x.probe) >= 7)
  ),
  matches AS (
  SELECT p.col, p.val, p.token, p.via_digits, p.encoded, p.masked_by, f.source, CASE WHEN f.fp IS NULL THEN p.token_kind END AS kind
    FROM probes p
    LEFT JOIN ${fingerprints} f ON f.fp = ${fingerprintSql('p.probe')} AND (NOT p.via_digits OR f.digits)
   WHERE CASE WHEN p.token_kind IS NULL THEN f.fp IS NOT NULL AND (p.free OR NOT ${s}.fake_shaped(p.masked_by, p.val))
              ELSE (f.fp IS NOT NULL AND NOT (p.masked_by IN ('scrubText', 'json') AND p.token_kind = 'phone' AND ${s}.is_fake_phone(p.probe)))
                OR (NOT p.via_digits AND p.masked_by NOT IN (${ORIGINALS_ONLY}) AND ${s}.token_live(p.token_kind, p.probe)) END),
  -- A token whose digits are an original's is reported as that original, not also as live PII. A
  -- hashed anti-join: a NOT EXISTS under an OR was a subplan reading every match again for each one,
  -- which grew with their square (46 s for 29k matches in a kept column full of emails and numbers).
  found AS (SELECT m.* FROM matches m LEFT JOIN (SELECT DISTINCT col, val, token FROM matches WHERE via_digits) AS d
              ON m.kind IS NOT NULL AND d.col = m.col AND d.val = m.val AND d.token = m.token
             WHERE d.token IS NULL),
  -- Live credentials of well-known services (credentials.ts), in any text but a binary value's: in
  -- kept columns, JSON, statistics, and the database's own objects and settings (a key written into a
  -- function body or set with ALTER DATABASE is production's key in staging all the same).
  credentials AS (
    SELECT c.col, c.val, ${credentialKindSql('x[2]')} AS service FROM vals c CROSS JOIN LATERAL regexp_matches(c.val, ${quoteLiteral(CREDENTIAL_SQL_PATTERN)}, 'g') AS x
     WHERE c.free AND c.kind <> ${quoteLiteral(BINARY)} AND ${mayHoldCredentialSql('c.val')}),
  -- An original a dictionary fake could equal counts only where no fake was written: kept columns' rows.
  findings AS (
    SELECT found.col, found.val, coalesce('original value of ' || src.source, found.kind || ' outside reserved fake ranges')
                                   || coalesce(' (' || found.encoded || ')', '') AS finding, coalesce(src.kept_only, false) AS kept_only
      FROM found LEFT JOIN ${FINGERPRINT_SOURCES_TABLE} src ON src.id = found.source
     WHERE NOT coalesce(src.kept_only, false) OR (${keptShaped} AND found.masked_by = '')
    UNION ALL
    SELECT col, val, 'live credential (' || service || ')', false FROM credentials)
  SELECT DISTINCT c.row_key, c.col, f.finding
    FROM findings f JOIN cells c ON c.col = f.col AND c.val = f.val AND NOT (f.kept_only AND c.row_key = ${quoteLiteral(STATISTICS_ROW)})
   WHERE EXISTS (SELECT 1 FROM findings)
  LIMIT ${limit}`;
}
