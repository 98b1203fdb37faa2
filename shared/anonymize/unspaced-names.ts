import type pg from 'pg';
import { quoteLiteral } from '../db/client';
import { fingerprintSql, MASK_SCHEMA } from './sql/core';
import { MAX_UNSPACED_NAME, MIN_UNSPACED_NAME, RECASED_TEXTS_TABLE, unspacedRunsSql } from './sql/candidates';
import { FINGERPRINT_TABLE, tableHasRows } from './mask-schema';
import { UNSPACED_LETTERS, UNSPACED_RANGES } from './sql/detectors';

/**
 * Names written in a script without spaces between words (Chinese, Japanese, Korean, Thai): free text
 * glues them to the words around them (`我叫王小明`, `山田太郎です`), so neither the name detector nor
 * the word search finds them. Before masking, the originals are looked for inside runs of such letters
 * in the free text `scrubText` will read; the texts quoting one are recorded by keyed fingerprint, and
 * when their table is masked their runs are read again (see recasedCandidatesSql).
 */

const s = MASK_SCHEMA;
/** The original names written without spaces, compacted, with their kind (`v`, `k`): in clear, created and dropped inside the preparing transaction. */
const NAMES_TABLE = `${s}.unspaced_names`;
/** The texts quoting one of {@link NAMES_TABLE} (`v`) with the name (`tok`) and its kind (`k`): in clear, as that table. */
const QUOTES_TABLE = `${s}.unspaced_quotes`;

/** What separates the words of a name written without spaces when its column has them (`佐藤 花子`): a space, the ideographic one too. */
const NAME_SPACES = '[[:space:]\\u3000]+';

/**
 * SQL telling whether the trimmed text `value` is a name written in a script without spaces
 * ({@link UNSPACED_LETTERS}), maybe with spaces between its parts (`佐藤 花子`). ASCII text is passed
 * over at the cost of two length counts.
 */
export const isUnspacedNameSql = (value: string): string =>
  `(octet_length(${value}) > length(${value}) AND ${value} ~ ${quoteLiteral(`^[${UNSPACED_LETTERS}]+(${NAME_SPACES}[${UNSPACED_LETTERS}]+)*$`)})`;

/** SQL giving the name `value` (see {@link isUnspacedNameSql}) as text quotes it: without the spaces between its parts (`佐藤花子`). */
export const compactNameSql = (value: string): string => `regexp_replace(${value}, ${quoteLiteral(NAME_SPACES)}, '', 'g')`;

/**
 * A query giving, as `v`, each name of the column `value` (trimmed text, an SQL expression over alias
 * `t` of `rows`) that is written without spaces, compacted, with as `k` its kind `kind` (a rule's, or
 * a fingerprint source's number) and, as `spaced`, whether its column wrote it with spaces.
 */
export const unspacedNamesSql = (rows: string, value: string, kind: string | number): string =>
  `SELECT ${compactNameSql(value)} AS v, ${typeof kind === 'string' ? quoteLiteral(kind) : `${kind}::smallint`} AS k, ${value} ~ ${quoteLiteral(NAME_SPACES)} AS spaced
     FROM ${rows} t WHERE ${value} IS NOT NULL AND ${isUnspacedNameSql(value)}`;

/**
 * Where verify finds names written without spaces: for each letter such an original name starts with,
 * by keyed fingerprint (`fp`), each length such a name has (`l`). No name is kept in clear, nor any
 * letter; a passing verify drops it with the fingerprints.
 */
export const UNSPACED_STARTS_TABLE = `${s}.unspaced_starts`;

/**
 * {@link UNSPACED_STARTS_TABLE} as {@link unspacedRunsSql} reads it (letters as `c`, lengths as `l`):
 * each letter of a script written without spaces is fingerprinted once (40k letters, about as many
 * keyed hashes as a tenth of a second costs), and those that start a name are kept in clear while the
 * statement runs. Only in a UTF-8 database, where `chr` reads a code point (others hold no such letter).
 */
export const UNSPACED_STARTS = `(SELECT u.c, k.l FROM (SELECT chr(g.c) AS c, ${fingerprintSql('chr(g.c)')} AS f
    FROM (${UNSPACED_RANGES.map(([from, to]) => `SELECT generate_series(${from}, ${to}) AS c`).join(' UNION ALL ')}) AS g
   WHERE current_setting('server_encoding') = 'UTF8' OFFSET 0) AS u JOIN ${UNSPACED_STARTS_TABLE} k ON k.fp = u.f)`;

/**
 * While fingerprints are taken, fingerprints the original names written without spaces (`originals`:
 * queries from {@link unspacedNamesSql}, each with its fingerprint source as kind) as free text quotes
 * them: compacted (`佐藤 花子` as `佐藤花子`), from two letters on (`李娜`: whole values are fingerprinted
 * from four characters on; a name of four letters or more written so is fingerprinted twice, which is
 * harmless). Makes {@link UNSPACED_STARTS_TABLE} (empty when no original is such a name). Runs inside
 * the caller's transaction; what it reads in clear is dropped there.
 */
export async function fingerprintUnspacedNames(client: pg.Client, originals: readonly string[]): Promise<void> {
  if (originals.length === 0) {
    await client.query(`CREATE TABLE ${UNSPACED_STARTS_TABLE} (fp bytea NOT NULL, l int NOT NULL)`);
    return;
  }
  await client.query(`CREATE TABLE ${NAMES_TABLE} AS SELECT DISTINCT v, k, spaced FROM (${originals.join(' UNION ALL ')}) AS n
    WHERE length(v) BETWEEN ${MIN_UNSPACED_NAME} AND ${MAX_UNSPACED_NAME}`);
  await client.query(`INSERT INTO ${FINGERPRINT_TABLE} (fp, source, digits) SELECT DISTINCT ${fingerprintSql('v')}, k, false FROM ${NAMES_TABLE}`);
  await client.query(`CREATE TABLE ${UNSPACED_STARTS_TABLE} AS SELECT DISTINCT ${fingerprintSql('left(v, 1)')} AS fp, length(v) AS l FROM ${NAMES_TABLE}`);
  await client.query(`DROP TABLE ${NAMES_TABLE}`);
}

/** Whether verify must look for names written without spaces: some original is one ({@link UNSPACED_STARTS_TABLE}; a copy prepared by a version without it has none). */
export const hasUnspacedNames = (client: pg.Client): Promise<boolean> => tableHasRows(client, UNSPACED_STARTS_TABLE);

/**
 * Finds which original names written without spaces (`originals`: queries from {@link unspacedNamesSql})
 * the free text `texts` (a relation of texts as `v`, see freeTextSql) quotes: every run of such letters
 * is read at each letter that starts an original, for each length an original starting so has
 * ({@link unspacedRunsSql}). Returns the part of `known_values` they make (their fingerprints, quoted),
 * or undefined when none is quoted; then call {@link recordUnspacedTexts} once `known_values` is made.
 */
export async function findUnspacedQuotes(client: pg.Client, texts: string, originals: readonly string[]): Promise<string | undefined> {
  await client.query(`CREATE TABLE ${NAMES_TABLE} AS SELECT DISTINCT v, k FROM (${originals.join(' UNION ALL ')}) AS n
    WHERE length(v) BETWEEN ${MIN_UNSPACED_NAME} AND ${MAX_UNSPACED_NAME}`);
  const { rows: names } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${NAMES_TABLE}) AS any`);
  if (names[0]?.any !== true) {
    await client.query(`DROP TABLE ${NAMES_TABLE}`);
    return undefined;
  }
  const runs = unspacedRunsSql(`(${texts}) AS src`, 'src.v', 'src.v AS v', `(SELECT left(v, 1) AS c, length(v) AS l FROM ${NAMES_TABLE})`);
  // The runs first, once (MATERIALIZED): joined as a subquery, the planner ran them again for each text
  // (presorted for the DISTINCT), and sorted the names each time: 200 s instead of 1 s for 200k texts.
  await client.query(`CREATE TABLE ${QUOTES_TABLE} AS WITH q AS MATERIALIZED (${runs})
    SELECT DISTINCT q.v, q.tok, n.k FROM q JOIN ${NAMES_TABLE} n ON n.v = q.tok`);
  await client.query(`DROP TABLE ${NAMES_TABLE}`);
  const { rows: quotes } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${QUOTES_TABLE}) AS any`);
  if (quotes[0]?.any === true) return `SELECT DISTINCT ${fingerprintSql('q.tok')} AS fp, q.k AS kind, false AS shaped, true AS quoted FROM ${QUOTES_TABLE} q`;
  await client.query(`DROP TABLE ${QUOTES_TABLE}`);
  return undefined;
}

/**
 * Records in {@link RECASED_TEXTS_TABLE}, by keyed fingerprint, each text {@link findUnspacedQuotes}
 * found quoting a name, so that its runs are read again when its table is masked; then drops what that
 * search kept in clear.
 */
export async function recordUnspacedTexts(client: pg.Client): Promise<void> {
  await client.query(`INSERT INTO ${RECASED_TEXTS_TABLE} SELECT DISTINCT ${fingerprintSql('q.v')} FROM ${QUOTES_TABLE} q`);
  await client.query(`DROP TABLE ${QUOTES_TABLE}`);
  await client.query(`ANALYZE ${RECASED_TEXTS_TABLE}`);
}
