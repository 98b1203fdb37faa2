import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../db/client';
import { pathNodesSql } from './json-path';
import { FINGERPRINT_SOURCES_TABLE, FINGERPRINT_TABLE, useParallelScans } from './mask-schema';
import { ownRowsSql, type ColumnPlan, type MaskPlan, type TablePlan } from './plan';
import { asciiDigitsSql, bytesTextSql, fingerprintSql, MASK_SCHEMA, nfcSql, textOf, unaccentedSql, ZIP_PLUS_FOUR } from './sql/core';
import { piiTokenScansSql } from './sql/detectors';
import { DIGEST_SOURCE_SUFFIX, emailDigestsSql, keptDigestsSeen } from './email-digests';
import { STRATEGIES, typeClassOf } from './strategies';
import { fingerprintUnspacedNames, unspacedNamesSql } from './unspaced-names';
import { accentedColumnName } from './accented-columns';

const s = MASK_SCHEMA;
/** Shorter originals are not fingerprinted: `NY` or `12` would be found everywhere and prove nothing. */
export const MIN_FINGERPRINT_LENGTH = 4;
const DICTIONARY_KINDS = new Set(['firstName', 'lastName', 'fullName', 'city', 'street']);
/** Kinds of names, whose originals written without spaces (`王小明`, `李娜`) are fingerprinted as free text quotes them too (see fingerprintUnspacedNames). */
const NAME_KINDS = new Set(['firstName', 'lastName', 'fullName']);

/**
 * Whether only the PII found inside a masked column's text is fingerprinted, not its whole values:
 * free text, and types whose text form quotes several values (a row type's fields, a `bytea`'s text).
 */
function fingerprintsTokens(plan: ColumnPlan): boolean {
  return plan.rule.strategy === 'scrubText' || plan.column.composite === true || plan.column.baseType === 'bytea';
}

/**
 * SQL giving, as column `v`, the PII tokens the detectors find in the text `value` over `from` that
 * masking replaces: a private or documentation IP address, an IBAN that does not validate, an SSN
 * never issued (`000-00-0000`), a National Insurance number of a prefix never allocated and a DNI or
 * CURP whose check fails stay as they are, so fingerprinting them had verify report the scrubbed column
 * as quoting its own original. (A SIN, Aadhaar number or CPF is one only with valid check digits: each
 * is replaced.)
 */
function replacedTokensSql(from: string, value: string): string {
  return `SELECT token AS v FROM (${piiTokenScansSql(from, value)}) AS p WHERE p.kind NOT IN ('ipv4', 'ipv6', 'iban', 'ssn', 'nino', 'dni', 'curp', 'codice_fiscale') OR ${s}.token_live(p.kind, p.token)`;
}

/** Whether a JSON rule scrubs or fakes phone numbers at some path: its originals' digits are fingerprinted too. */
const jsonQuotesNumbers = (plan: ColumnPlan): boolean =>
  plan.rule.strategy === 'json' && Object.values(plan.rule.paths).some((leaf) => leaf.strategy === 'scrubText' || leaf.strategy === 'phone');

/** How the fingerprints name a column (`schema.table.column`, in {@link FINGERPRINT_SOURCES_TABLE}). */
export const fingerprintSourceName = (table: TablePlan, column: ColumnPlan): string => `${table.table.qualified}.${column.column.name}`;

/** SQL giving the original text values of a masked column worth fingerprinting, as column `v`. */
function originalValuesSql(table: string, plan: ColumnPlan): string | undefined {
  const column = quoteIdent(plan.column.name);
  const cls = typeClassOf(plan.column);
  if (!STRATEGIES[plan.rule.strategy].fingerprint) return undefined;
  if (cls === 'other' && fingerprintsTokens(plan)) {
    // A row type in its text form (`(Ann,ann@gmail.com)`), bytes as the text in them: the emails and numbers they quote.
    // An array of a row type is unnested as text: unnested as rows, its fields would be columns of their own.
    const elements = !plan.column.isArray ? `(SELECT t.${column})` : `unnest(t.${column}${plan.column.composite === true ? '::text[]' : ''})`;
    const text = plan.column.baseType === 'bytea' ? bytesTextSql('e.v') : 'e.v::text';
    return replacedTokensSql(`${table} t, LATERAL ${elements} AS e(v)`, text);
  }
  // A phone number kept as an integer (a WhatsApp id in a bigint) is text like any other, quoted in text as its digits.
  if (cls === 'integer' && plan.rule.strategy === 'phone') {
    return plan.column.isArray ? `SELECT e::text AS v FROM ${table} t, unnest(t.${column}) AS e` : `SELECT t.${column}::text AS v FROM ${table} t`;
  }
  if (!['text', 'json', 'uuid', 'inet'].includes(cls)) return undefined;
  if (plan.rule.strategy === 'scrubText') {
    return replacedTokensSql(`${table} t`, textOf(`t.${column}`));
  }
  if (plan.rule.strategy === 'json') {
    // An array of documents is masked document by document: its documents are read one by one too.
    const docs = plan.column.isArray ? `${table} t, unnest(t.${column}) AS e(doc)` : `${table} t, LATERAL (SELECT t.${column} AS doc) AS e`;
    // Free text at a path is scrubbed, not replaced whole: what it quotes is fingerprinted, as for a column.
    return Object.entries(plan.rule.paths)
      .map(([path, leaf]) => {
        const nodes = pathNodesSql('e.doc', path);
        return leaf.strategy === 'scrubText'
          ? replacedTokensSql(`${docs}, LATERAL ${nodes} AS j(node)`, "j.node #>> '{}'")
          : `SELECT ${nodes} #>> '{}' AS v FROM ${docs}`;
      })
      .join(' UNION ALL ');
  }
  // Whole values in composed form (nfcSql), as verify reads text: Jose and a combining accent is José.
  // Not emails and phone numbers (ASCII as written), whose digits and national digits are derived from
  // the value: a function call in it costs more than the planner inlines them at.
  const composed = (value: string): string => (cls === 'text' && !['email', 'phone'].includes(plan.rule.strategy) ? nfcSql(value) : value);
  if (plan.column.isArray) return `SELECT ${composed(textOf('e'))} AS v FROM ${table} t, unnest(t.${column}) AS e`;
  return `SELECT ${cls === 'inet' ? `host(t.${column})` : composed(textOf(`t.${column}`))} AS v FROM ${table} t`;
}

/** Below this share of distinct values, originals are deduplicated before they are hashed. */
const FEW_DISTINCT = 0.05;
/** From this share of distinct values on, a column's fingerprints are not deduplicated at all. */
const MOSTLY_DISTINCT = 0.5;

/**
 * Where a statement that hashes every value of a column deduplicates, by the column's share of
 * distinct values: `before` the hash for repetitive columns (one hash per value; the leader finishes
 * the DISTINCT, then hashes the few values left), `none` for mostly distinct ones (finishing a DISTINCT
 * is serial work for the leader and saves little), `after` the hash otherwise (workers hash in parallel).
 */
export function dedupePlacement(share: number): 'before' | 'none' | 'after' {
  if (share < FEW_DISTINCT) return 'before';
  return share >= MOSTLY_DISTINCT ? 'none' : 'after';
}

/** The planner's statistics of a table's columns (`st`, `pg_stats`) with the table's row estimate (`c.reltuples`): a FROM list. */
export const COLUMN_STATISTICS_SQL = 'pg_stats st JOIN pg_namespace n ON n.nspname = st.schemaname JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = st.tablename';
/** Over {@link COLUMN_STATISTICS_SQL}: the share of a column's rows whose values are distinct, NULL when unknown. */
export const DISTINCT_SHARE_SQL = 'CASE WHEN st.n_distinct < 0 THEN -st.n_distinct WHEN c.reltuples > 0 THEN st.n_distinct / c.reltuples END';

/**
 * The planner's estimate of the share of a column's values that are distinct (`pg_stats`), 1 when the
 * table has no statistics (a restored snapshot has them).
 */
export async function distinctShare(client: pg.Client, schema: string, table: string, column: string): Promise<number> {
  const { rows } = await client.query<{ share: number | null }>(
    `SELECT (${DISTINCT_SHARE_SQL})::float8 AS share FROM ${COLUMN_STATISTICS_SQL}
      WHERE st.schemaname = $1 AND st.tablename = $2 AND st.attname = $3`,
    [schema, table, column],
  );
  return rows[0]?.share ?? 1;
}

/**
 * SQL giving the national digits of the phone number `value` (text), or NULL: the digits after its
 * country calling code, when it is written with one (`+34 612 345 678`, `0034 612 345 678`: 612345678),
 * or a North American number's ten after its 1 (`14155552671`). The calling code's length comes from its
 * first digits (`calling_code_length`), read from the text after the + or 00.
 */
export function nationalDigitsSql(value: string): string {
  // A number typed in digits of another script (a fullwidth plus among them) is read in ASCII ones.
  const lead = `ltrim(${asciiDigitsSql(value)}, ' (')`;
  return `CASE WHEN left(${lead}, 1) = '+' THEN substr(${s}.digits(${value}), ${s}.calling_code_length(ltrim(${lead}, '+ (')) + 1)
    WHEN left(${lead}, 2) = '00' THEN substr(${s}.digits(${value}), ${s}.calling_code_length(ltrim(substr(${lead}, 3), ' (')) + 3)
    WHEN left(${lead}, 1) = '1' AND length(${s}.digits(${value})) = 11 THEN substr(${s}.digits(${value}), 2) END`;
}

/** The fingerprints of deduplicated parts: a child of {@link FINGERPRINT_TABLE} (inheritance), so whoever reads that reads both. */
const DEDUPLICATED_TABLE = `${FINGERPRINT_TABLE}_deduplicated`;
const EMPTY_FINGERPRINTS = 'SELECT NULL::bytea AS fp, NULL::smallint AS source, NULL::boolean AS digits WHERE false';

/**
 * Stores keyed fingerprints of the original values of every masked column before anything is masked:
 * whole values, the PII found inside free text and JSON, phone numbers as bare digits too, and, when
 * a kept column holds hex digests ({@link keptDigestsSeen}), emails' unsalted digests. Each row names
 * its column by a number ({@link FINGERPRINT_SOURCES_TABLE}), which keeps the rows narrow; originals a
 * dictionary fake could equal by chance (a real James Wilson) have a number of their own, marked
 * `kept_only`: verify looks for them in kept columns only, since masking writes fakes everywhere else;
 * those of the `accented` columns (accented-columns.ts) as typed without their accents too;
 * those of a single word (James, London) are left out, as every text has such words. Two `CREATE TABLE … AS` statements,
 * which PostgreSQL may run over parallel workers (an `INSERT … SELECT` never is): one for the columns
 * hashed value by value, one for those deduplicated (DISTINCT needs a Gather of its own, and a
 * statement mixing both runs its plain parts serially in the leader: 16 s instead of 8 s for four
 * columns of 1M rows on 2 cores). The second table inherits the first, so readers see one table.
 * Returns the total count.
 */
export async function takeFingerprints(client: pg.Client, plan: MaskPlan, accented: ReadonlySet<string>): Promise<number> {
  const plain: string[] = [];
  const deduplicated: string[] = [];
  const sources: { name: string; keptOnly: boolean }[] = [];
  const unspacedNames: string[] = [];
  const digests = await keptDigestsSeen(client, plan);
  for (const table of plan.tables) {
    if (table.truncate) continue;
    const name = ownRowsSql(table);
    for (const column of table.masked) {
      const values = originalValuesSql(name, column);
      if (!values) continue;
      // An original a dictionary fake could equal (a real James Wilson) is a source of its own, searched
      // for in kept columns only (see fingerprint_sources.kept_only): masking writes fakes everywhere else.
      // One of a single word (James, London) is left out: kept text is full of those words.
      const shaped = DICTIONARY_KINDS.has(column.rule.strategy) ? `${s}.fake_shaped(${quoteLiteral(column.rule.strategy)}, v)` : 'false';
      const withDigits = column.rule.strategy === 'phone' || fingerprintsTokens(column) || jsonQuotesNumbers(column);
      // Repeats, here or across columns, are harmless (verify reports each finding once), so DISTINCT
      // only saves work, placed by the column's statistics (dedupePlacement); what free text and JSON
      // quote is always deduplicated after the hash (a column's statistics say nothing of its tokens).
      const wholeValues = !fingerprintsTokens(column) && column.rule.strategy !== 'json';
      const share = column.unique || !wholeValues ? 1 : await distinctShare(client, table.table.schema, table.table.name, column.column.name);
      const placement = dedupePlacement(share);
      const repeats = placement === 'before';
      // The filters run after a DISTINCT (OFFSET 0 keeps the planner from pushing them below it): on 300 streets, not on 1M rows.
      const originalsOf = (from: string): string => `(SELECT v, shaped FROM (SELECT v, ${shaped} AS shaped FROM (SELECT ${repeats ? 'DISTINCT' : ''} v FROM (${from}) AS x WHERE v IS NOT NULL ${repeats ? 'OFFSET 0' : ''}) AS x
          WHERE length(btrim(v)) >= ${MIN_FINGERPRINT_LENGTH}) AS x WHERE NOT shaped OR btrim(v) ~ '[[:space:]]')`;
      const originals = originalsOf(values);
      // d: the original is all digits, the only fingerprints the digits of a token found in text can meet.
      // An email's digits are no phone number: only other values are reduced to their digits. The two
      // rows come from arrays unnested in the select list: a LATERAL VALUES list is a node restarted for
      // every value (4.6 µs a phone number against 2.8 µs, measured on 200k).
      // A phone column's numbers by their national digits too (+34 612 345 678 as 612345678): most of
      // the world writes its own numbers so, with no trunk 0 to give them a phone's shape.
      const national = column.rule.strategy === 'phone' && wholeValues;
      const hashes = withDigits
        ? `SELECT ${fingerprintSql('x.v')} AS f, x.digits OR btrim(x.v) ~ '^[0-9]+$' AS d, x.shaped AS k
             FROM (SELECT unnest(ARRAY[o.v, CASE WHEN strpos(o.v, '@') = 0 THEN ${s}.digits(o.v) END${national ? `, ${nationalDigitsSql('o.v')}` : ''}]) AS v,
                          unnest(ARRAY[false, true${national ? ', true' : ''}]) AS digits, o.shaped FROM ${originals} AS o) AS x
            WHERE x.v IS NOT NULL AND (NOT x.digits OR length(x.v) >= 7)`
        : `SELECT ${fingerprintSql('o.v')} AS f, btrim(o.v) ~ '^[0-9]+$' AS d, o.shaped AS k FROM ${originals} AS o`;
      const distinctAfter = !repeats && (placement === 'after' || !wholeValues);
      const fingerprints = distinctAfter ? `SELECT DISTINCT f, d, k FROM (${hashes}) AS h` : hashes;
      sources.push({ name: fingerprintSourceName(table, column), keptOnly: false });
      const own = sources.length;
      // Its number, or with flag (a value a fake could equal) its kept_only number.
      const sourceOf = (flag: string): string => (shaped === 'false' ? `${own}` : `CASE WHEN ${flag} THEN ${own + 1} ELSE ${own} END`);
      const source = sourceOf('k');
      if (shaped !== 'false') sources.push({ name: fingerprintSourceName(table, column), keptOnly: true });
      const group = repeats || distinctAfter ? deduplicated : plain;
      group.push(`SELECT f AS fp, (${source})::smallint AS source, d AS digits FROM (${fingerprints}) AS y`);
      // A name, street or city with accents as typed without them too (Jose Garcia for José García):
      // the values beyond ASCII of a column holding some (accentedColumns) are read again.
      if (wholeValues && accented.has(accentedColumnName(table.table.qualified, column.column.name))) {
        const unaccented = `SELECT ${unaccentedSql('x.v')} AS v FROM (${values}) AS x WHERE octet_length(x.v) > length(x.v)`;
        group.push(`SELECT ${fingerprintSql('o.v')} AS fp, (${sourceOf('o.shaped')})::smallint AS source, false AS digits FROM ${originalsOf(unaccented)} AS o`);
      }
      // A postcode written with a space as run together too (YO213PU for YO21 3PU), as text may quote it.
      if (wholeValues && column.rule.strategy === 'postcode') {
        const compact = `SELECT replace(x.v, ' ', '') AS v FROM (${values}) AS x WHERE strpos(x.v, ' ') > 0`;
        group.push(`SELECT ${fingerprintSql('o.v')} AS fp, ${own}::smallint AS source, false AS digits FROM ${originalsOf(compact)} AS o`);
        // A ZIP+4 code as its ZIP code too (94107 for 94107-1234), as text may quote it.
        const zip = `SELECT left(x.v, 5) AS v FROM (${values}) AS x WHERE x.v ~ ${quoteLiteral(ZIP_PLUS_FOUR)}`;
        group.push(`SELECT ${fingerprintSql('o.v')} AS fp, ${own}::smallint AS source, true AS digits FROM ${originalsOf(zip)} AS o`);
      }
      // Names written without spaces (王小明) as free text quotes them: see unspaced-names.ts.
      if (NAME_KINDS.has(column.rule.strategy) && wholeValues) unspacedNames.push(unspacedNamesSql(`(${values})`, 'btrim(t.v)', own));
      if (digests && column.rule.strategy === 'email' && wholeValues) {
        sources.push({ name: `${table.table.qualified}.${column.column.name} ${DIGEST_SOURCE_SUFFIX}`, keptOnly: false });
        const hashed = `SELECT ${fingerprintSql('x.v')} AS f FROM ${originals} AS o CROSS JOIN LATERAL (VALUES ${emailDigestsSql('o.v')}) AS x(v)`;
        group.push(`SELECT f AS fp, ${sources.length}::smallint AS source, false AS digits FROM (${distinctAfter ? `SELECT DISTINCT f FROM (${hashed}) AS h` : hashed}) AS y`);
      }
    }
  }
  await useParallelScans(client);
  // No index: verify joins the whole table by hash, which an index would not speed up.
  await client.query(`CREATE TABLE ${FINGERPRINT_SOURCES_TABLE} (id smallint PRIMARY KEY, source text NOT NULL, kept_only boolean NOT NULL)`);
  if (sources.length > 0) {
    await client.query(`INSERT INTO ${FINGERPRINT_SOURCES_TABLE} SELECT i, s, k FROM unnest($1::text[], $2::boolean[]) WITH ORDINALITY AS u(s, k, i)`,
      [sources.map((source) => source.name), sources.map((source) => source.keptOnly)]);
  }
  await client.query(`CREATE TABLE ${FINGERPRINT_TABLE} AS ${plain.length > 0 ? plain.join('\n UNION ALL ') : EMPTY_FINGERPRINTS}`);
  if (deduplicated.length > 0) {
    await client.query(`CREATE TABLE ${DEDUPLICATED_TABLE} AS ${deduplicated.join('\n UNION ALL ')}`);
    await client.query(`ALTER TABLE ${DEDUPLICATED_TABLE} INHERIT ${FINGERPRINT_TABLE}`);
    await client.query(`ANALYZE ${DEDUPLICATED_TABLE}`);
  }
  await fingerprintUnspacedNames(client, unspacedNames);
  await client.query(`ANALYZE ${FINGERPRINT_TABLE}`);
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${FINGERPRINT_TABLE}`);
  return rows[0]?.n ?? 0;
}
