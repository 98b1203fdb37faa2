import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../db/client';
import { ownRowsSql, qualifiedSql, type ColumnPlan, type MaskPlan, type TablePlan } from './plan';
import { fingerprintSql, MASK_SCHEMA, nfcSql, textOf, unaccentedSql, ZIP_PLUS_FOUR, zipCodeOfSql } from './sql/core';
import { candidateTokensSql, DIGIT_POSTCODE, joinedNamesSql, keyedPlacePhrasesSql, MAX_PHRASE_WORDS, MIN_KNOWN_LENGTH, PLACE_HEADS_TABLE, placeHeadsSql, phrasesStartingSql, RECASED_TEXTS_TABLE, unspacedRunsSql, wordPhrasesSql, type PhraseSearch } from './sql/candidates';
import { pathNodesSql } from './json-path';
import { LETTERS } from './sql/detectors';
import { FINGERPRINT_SOURCES_TABLE, FINGERPRINT_TABLE, tableHasRows, useParallelScans } from './mask-schema';
import { dedupePlacement, distinctShare, fingerprintSourceName } from './fingerprints';
import { typeClassOf } from './strategies';
import { accentedColumnName } from './accented-columns';
import { findUnspacedQuotes, hasUnspacedNames, recordUnspacedTexts, unspacedNamesSql, UNSPACED_STARTS } from './unspaced-names';

const s = MASK_SCHEMA;

/**
 * Kinds whose original values `scrubText` looks for in free text (besides what its detectors find); a
 * phone number as its digits, which free text may quote as a bare number (`16505551234`, a WhatsApp id).
 */
export const KNOWN_VALUE_KINDS = new Set(['firstName', 'lastName', 'fullName', 'street', 'city', 'username', 'postcode', 'phone']);
const NAME_KINDS = new Set(['firstName', 'lastName', 'fullName']);
/** Kinds searched as phrases of several words (see {@link phraseSearchOf}; only theirs need a word count), and around their head words (places). */
export const PHRASE_KINDS: ReadonlySet<string> = new Set(['street', 'city', 'postcode']);
/** The ASCII whitespace characters (`[[:space:]]`, which phrases are split at), as an SQL literal for `translate`. */
const WHITESPACE = "E' \\t\\n\\r\\f\\x0B'";

/**
 * SQL giving the text `value` (a column: it is read several times) as `scrub_text` reads it (`scrub_read`:
 * letters written as JSON escapes read as letters, in composed form, `%20` and an apostrophe's HTML
 * entities read as there); a text of ASCII holding no `\u`, `%20` or `&` costs a comparison of lengths
 * and three string searches. Through `evaluated_once` (volatile, inlined to nothing), so that the planner
 * does not pull the subquery giving it up into the searches that read it a few times each, where each
 * read computed it again: those costs grew the search of 200k texts for names by a quarter.
 */
const unescapedLettersSql = (value: string): string =>
  `${s}.evaluated_once(CASE WHEN octet_length(${value}) = length(${value}) AND strpos(${value}, '\\u') = 0 AND strpos(${value}, '%20') = 0 AND strpos(${value}, '&') = 0
    THEN ${value} ELSE ${s}.scrub_read(${value}) END)`;

/**
 * SQL giving, as column `v`, the free text searched for quoted known values: each text `scrub_text`
 * gets when `tables` are masked, exactly as it gets it (a text may find its hits by its md5, see
 * known-value-hits.ts): a scrubText column's values (each element of an array, a JSON document whole),
 * and the values at a JSON rule's scrubText paths (read as `json_apply` reads them, and as the
 * fingerprints do), not the document's text, where an escape (`\n12 Harbour Lane`) would hide a street from the search. A
 * text's letters written as JSON escapes (`Zo\u00eb`) are read as letters, as `scrub_text` reads them. Not the
 * text inside base64 runs, which `scrub_text` scrubs decoded: finding them costs 1.3 microseconds a
 * text (a regular expression), and a value quoted only there is left to verify, which reports it.
 * Undefined when they have none. `range` limits it to a batch's rows (a condition over alias `t`).
 */
export function freeTextSql(tables: readonly TablePlan[], range?: string): string | undefined {
  const sources = tables.flatMap((plan) => plan.masked.flatMap((column) => {
    const ref = `t.${quoteIdent(column.column.name)}`;
    const rows = `${qualifiedSql(plan)} t`;
    const where = `${ref} IS NOT NULL${range === undefined ? '' : ` AND ${range}`}`;
    const values = column.column.isArray ? `${rows}, unnest(${ref}) AS e(v)` : `${rows}, LATERAL (SELECT ${ref} AS v) AS e`;
    if (column.rule.strategy === 'scrubText') return [`SELECT ${unescapedLettersSql(textOf('e.v'))} AS v FROM ${values} WHERE ${where}`];
    if (column.rule.strategy !== 'json') return [];
    return Object.entries(column.rule.paths).filter(([, leaf]) => leaf.strategy === 'scrubText').map(([path]) =>
      `SELECT ${unescapedLettersSql('jt.text')} AS v FROM ${values}, LATERAL ${pathNodesSql('e.v', path)} AS j(node), LATERAL (SELECT j.node #>> '{}' AS text) AS jt WHERE ${where}`);
  }));
  return sources.length === 0 ? undefined : sources.join(' UNION ALL ');
}

/**
 * The candidates free text holds ({@link candidateTokensSql}), in clear and normalised as a fingerprint
 * normalises (`lower(btrim(…))`), while {@link recordKnownValues} compares them with the originals:
 * created and dropped inside its transaction, never committed, as the unit's hits are. A table, not a
 * subquery, so parallel workers can each join their share of the originals with it.
 */
const CANDIDATES_TABLE = `${s}.quoted_candidates`;

/**
 * SQL giving, as `v` and `k`, the distinct original postcodes a rule fakes inside an array or at JSON
 * paths of column `plan` of table `name` (as written, run together when written with a space, a ZIP+4
 * code's ZIP code too), kind `postcode`; undefined when it fakes none. Only their fakes need them: a
 * postcode's fake keeps its shape, so a fake drawn for a code in a document could be another
 * customer's real code, which verify would report, as for a column's (`shaped` in {@link recordKnownValues}).
 */
function nestedPostcodesSql(name: string, plan: ColumnPlan): string | undefined {
  const column = `t.${quoteIdent(plan.column.name)}`;
  const elements = plan.column.isArray ? `unnest(${column})` : `(SELECT ${column})`;
  let values: string[] = [];
  if (plan.rule.strategy === 'postcode' && plan.column.isArray && typeClassOf(plan.column) === 'text') values = [`SELECT ${textOf('e.v')} AS v FROM ${name} t, LATERAL ${elements} AS e(v)`];
  if (plan.rule.strategy === 'json') {
    values = Object.entries(plan.rule.paths).filter(([, leaf]) => leaf.strategy === 'postcode')
      .map(([path]) => `SELECT ${pathNodesSql('e.v', path)} #>> '{}' AS v FROM ${name} t, LATERAL ${elements} AS e(v)`);
  }
  if (values.length === 0) return undefined;
  const written = `btrim(${nfcSql('x.v')})`;
  return `SELECT DISTINCT w AS v, 'postcode' AS k FROM (${values.join(' UNION ALL ')}) AS x,
    LATERAL (VALUES (${written}), (CASE WHEN strpos(${written}, ' ') > 0 THEN replace(${written}, ' ', '') END),
                    (${zipCodeOfSql(written)})) AS f(w) WHERE w IS NOT NULL`;
}

/**
 * Records, in `known_values`, the fingerprints of the original values a rule masks with a kind free
 * text can quote (names, and each word of a full name; streets, cities, usernames, postcodes) that the
 * free text `scrubText` will read does quote (`quoted`: it puts that value's own fake there), of every
 * such name a fake could also be and of every original postcode (`shaped`: name and postcode fakes
 * avoid them; a postcode's fake keeps its shape, and codes of digits fill their space), and of phone
 * numbers' digits (text may quote one as a bare number), without rehearsal ever storing one in clear.
 * Free text is searched once, before anything is masked, for every candidate; the originals are
 * compared with those in clear, so only the originals found are hashed: a million names quoted nowhere
 * cost a scan, not three million keyed hashes, and a unit whose text quotes none skips its own search
 * ({@link prepareKnownValueHits}).
 * Names written without spaces (`我叫王小明`) are looked for inside runs of their letters
 * (unspaced-names.ts); streets, cities and postcodes in any capitals around their head words, which
 * are kept keyed for the units' search and verify ({@link recordPlaceHeads}); a postcode written with
 * a space run together too (`YO213PU`). Also records the phrase search ({@link phraseSearchOf}). Runs
 * inside the caller's transaction; call it after {@link takeFingerprints}: phones' digits are read from there.
 */
export async function recordKnownValues(client: pg.Client, plan: MaskPlan, accented: ReadonlySet<string>): Promise<void> {
  // Originals read row by row, and those deduplicated first (columns that repeat a lot: cities).
  const plain: string[] = [];
  const deduplicated: string[] = [];
  const phraseWords: string[] = [];
  const usernames: string[] = [];
  const phoneSources: string[] = [];
  const nameStarts: string[] = [];
  const placeHeads: string[] = [];
  const unspacedNames: string[] = [];
  for (const table of plan.tables) {
    if (table.truncate) continue;
    const name = ownRowsSql(table);
    const words: string[] = [];
    for (const column of table.masked) {
      const kind = column.rule.strategy;
      // Postcodes in arrays or at JSON paths: recorded for postcode fakes to avoid, as a column's are.
      const nested = nestedPostcodesSql(name, column);
      if (nested !== undefined) deduplicated.push(nested);
      if (!KNOWN_VALUE_KINDS.has(kind) || column.column.isArray || column.follows) continue;
      if (kind === 'phone') {
        phoneSources.push(fingerprintSourceName(table, column));
        continue;
      }
      if (typeClassOf(column.column) !== 'text') continue;
      // In composed form, as the texts searched are (see freeTextSql).
      const ref = `btrim(${nfcSql(textOf(`t.${quoteIdent(column.column.name)}`))})`;
      const present = `t.${quoteIdent(column.column.name)} IS NOT NULL`;
      const repeats = dedupePlacement(column.unique ? 1 : await distinctShare(client, table.table.schema, table.table.name, column.column.name)) === 'before';
      (repeats ? deduplicated : plain).push(`SELECT ${repeats ? 'DISTINCT ' : ''}${ref} AS v, ${quoteLiteral(kind)} AS k FROM ${name} t WHERE ${present}`);
      if (NAME_KINDS.has(kind)) unspacedNames.push(unspacedNamesSql(name, ref, kind));
      // A name, street or city with accents is looked for as typed without them too (Jose Garcia for
      // José García): the rows beyond ASCII of a column holding some (accentedColumns) are read again.
      const beyondAscii = `${present} AND octet_length(${ref}) > length(${ref})`;
      const unaccented = unaccentedSql(ref);
      const withAccents = accented.has(accentedColumnName(table.table.qualified, column.column.name));
      if (withAccents) plain.push(`SELECT ${unaccented} AS v, ${quoteLiteral(kind)} AS k FROM ${name} t WHERE ${beyondAscii}`);
      // A postcode written with a space is looked for run together too (YO213PU for YO21 3PU).
      const compact = `replace(${ref}, ' ', '')`;
      const spaced = `${present} AND strpos(${ref}, ' ') > 0`;
      if (kind === 'postcode') (repeats ? deduplicated : plain).push(`SELECT ${repeats ? 'DISTINCT ' : ''}${compact} AS v, 'postcode' AS k FROM ${name} t WHERE ${spaced}`);
      // A ZIP+4 code is looked for as its ZIP code too (94107 for 94107-1234), whose fake starts its own (postcode()).
      if (kind === 'postcode') deduplicated.push(`SELECT DISTINCT left(${ref}, 5) AS v, 'postcode' AS k FROM ${name} t WHERE ${present} AND ${ref} ~ ${quoteLiteral(ZIP_PLUS_FOUR)}`);
      // A street, city or postcode is looked for in any capitals, at its head word (placeHeadsSql).
      if (PHRASE_KINDS.has(kind)) {
        placeHeads.push(placeHeadsSql(`SELECT ${repeats ? 'DISTINCT ' : ''}${ref} AS v FROM ${name} t WHERE ${present}`));
        if (withAccents) placeHeads.push(placeHeadsSql(`SELECT ${unaccented} AS v FROM ${name} t WHERE ${beyondAscii}`));
        if (kind === 'postcode') placeHeads.push(placeHeadsSql(`SELECT ${repeats ? 'DISTINCT ' : ''}${compact} AS v FROM ${name} t WHERE ${spaced}`));
      }
      if (kind === 'fullName') {
        const forms: (readonly [string, string])[] = [[ref, present], ...(withAccents ? [[`coalesce(${unaccented}, '')`, beyondAscii] as const] : [])];
        for (const [names, where] of forms) {
          nameStarts.push(`SELECT lower(split_part(${names}, ' ', 1)) AS w FROM ${name} t WHERE ${where} AND strpos(${names}, ' ') > 0`);
          plain.push(`SELECT w AS v, CASE WHEN o = 1 THEN 'firstName' ELSE 'lastName' END AS k FROM ${name} t, regexp_split_to_table(${names}, '\\s+') WITH ORDINALITY AS p(w, o) WHERE ${where}`);
        }
      }
      // ASCII text: its whitespace characters, not words; one more than their count is never fewer words
      // than the value has, and costs half as much as counting them. Other text may hold Unicode spaces,
      // which phrases are split at too: its words are counted.
      const text = textOf(`t.${quoteIdent(column.column.name)}`);
      if (PHRASE_KINDS.has(kind)) {
        words.push(`CASE WHEN octet_length(${text}) = length(${text}) THEN octet_length(${text}) - octet_length(translate(${text}, ${WHITESPACE}, '')) + 1
          ELSE array_length(regexp_split_to_array(${ref}, '[[:space:]]+'), 1) END`);
      }
      if (kind === 'username') usernames.push(`SELECT 1 FROM ${name} t WHERE length(${ref}) >= ${MIN_KNOWN_LENGTH}`);
    }
    // One scan of the table for all its columns (greatest ignores NULLs).
    if (words.length > 0) phraseWords.push(`SELECT max(greatest(${words.join(', ')})) AS w FROM ${name} t`);
  }
  await useParallelScans(client);
  const search = await recordPhraseSearch(client, phraseWords, usernames);
  const texts = freeTextSql(plan.tables.filter((table) => !table.truncate));
  const heads = await recordPlaceHeads(client, placeHeads);
  const parts: string[] = [];
  let recased = false;
  const unspaced = texts === undefined || unspacedNames.length === 0 ? undefined : await findUnspacedQuotes(client, texts, unspacedNames);
  if (unspaced !== undefined) parts.push(unspaced);
  if (plain.length + deduplicated.length > 0) {
    if (texts !== undefined) {
      await client.query(`CREATE TABLE ${CANDIDATES_TABLE} AS SELECT DISTINCT lower(btrim(c.tok)) AS key
        FROM (${candidateTokensSql(`(${texts}) AS src`, 'src.v', search)}) AS c WHERE length(c.tok) >= ${MIN_KNOWN_LENGTH}`);
      if (nameStarts.length > 0 || heads) {
        await addRecasedCandidates(client, texts, nameStarts, heads);
        recased = true;
      }
      await client.query(`ANALYZE ${CANDIDATES_TABLE}`);
    }
    const candidates = texts === undefined ? '(SELECT NULL::text AS key WHERE false)' : CANDIDATES_TABLE;
    const nameKinds = [...NAME_KINDS].map(quoteLiteral).join(', ');
    // Only the rows kept are hashed. Two branches: a deduplicated column's DISTINCT ends in the leader,
    // and in one list with it the others would be joined there too, not by the workers.
    const branch = (queries: readonly string[]): string => `SELECT ${fingerprintSql('x.v')} AS fp, x.k AS kind, x.shaped, x.quoted
      FROM (SELECT o.v, o.k, (o.k IN (${nameKinds}) AND ${s}.fake_shaped(o.k, o.v)) OR o.k = 'postcode' AS shaped, c.key IS NOT NULL AS quoted
              FROM (SELECT v, k FROM (${queries.join(' UNION ALL ')}) AS o WHERE length(v) >= ${MIN_KNOWN_LENGTH}) AS o
              LEFT JOIN ${candidates} AS c ON c.key = lower(o.v)) AS x
     WHERE x.shaped OR x.quoted`;
    parts.push(`SELECT DISTINCT * FROM (${[plain, deduplicated].filter((queries) => queries.length > 0).map(branch).join(' UNION ALL ')}) AS u`);
  }
  // The head words in clear served the search of free text only.
  await client.query(`DROP TABLE IF EXISTS ${CLEAR_PLACE_HEADS_TABLE}`);
  if (phoneSources.length > 0) {
    // Phones' digits are fingerprinted already (takeFingerprints runs first): read, not hashed again
    // (0.8 s instead of 2.5 s for 0.9M numbers). Lookups ask only for bare numbers, so other digits there do no harm.
    parts.push(`SELECT f.fp, 'phone'::text AS kind, false AS shaped, false AS quoted FROM ${FINGERPRINT_TABLE} f
      WHERE f.digits AND f.source IN (SELECT id FROM ${FINGERPRINT_SOURCES_TABLE} WHERE source = ANY (ARRAY[${phoneSources.map(quoteLiteral).join(', ')}]::text[]))`);
  }
  if (parts.length === 0) return;
  // The schema's empty table (the fakes refer to it) is replaced by one built in a single statement.
  await client.query(`DROP TABLE ${s}.known_values`);
  await client.query(`CREATE TABLE ${s}.known_values AS ${parts.join('\n UNION ALL ')}`);
  await client.query(`DROP TABLE IF EXISTS ${CANDIDATES_TABLE}`);
  await client.query(`CREATE INDEX known_values_fp_idx ON ${s}.known_values (fp)`);
  await client.query(`ANALYZE ${s}.known_values`);
  if (recased) await recordRecasedTexts(client);
  if (unspaced !== undefined) await recordUnspacedTexts(client);
}

/**
 * The phrases of free text starting with the first word of an original full name, or around the head
 * word of an original street, city or postcode (with their text's keyed fingerprint, `fp`, and the
 * `key` they are compared as: the phrase itself, or a joined name's words, see joinedNamesSql) while
 * {@link recordKnownValues} looks for names and places typed in other capitals than their column's or
 * joined into a handle: values in clear, created and dropped inside its transaction, never committed.
 */
const RECASED_CANDIDATES_TABLE = `${s}.recased_candidates`;

/**
 * The head words of the original streets, cities and postcodes ({@link placeHeadsSql}) in clear, while
 * {@link recordKnownValues} searches free text for them: created and dropped inside its transaction.
 */
const CLEAR_PLACE_HEADS_TABLE = `${s}.place_heads_clear`;

/**
 * Records the head words of the original streets, cities and postcodes (`heads`: queries each giving
 * them as {@link placeHeadsSql} does) in {@link CLEAR_PLACE_HEADS_TABLE}, and keyed in {@link
 * PLACE_HEADS_TABLE}, where the search of a unit's free text and verify read them. One keyed hash a
 * distinct head (a few for a city or street name shared by many). Returns whether there are any.
 */
async function recordPlaceHeads(client: pg.Client, heads: readonly string[]): Promise<boolean> {
  if (heads.length === 0) return false;
  await client.query(`CREATE TABLE ${CLEAR_PLACE_HEADS_TABLE} AS SELECT DISTINCT w, o, n, cued FROM (${heads.join(' UNION ALL ')}) AS h`);
  await client.query(`INSERT INTO ${PLACE_HEADS_TABLE} SELECT DISTINCT ${fingerprintSql('w')}, o, n, cued FROM ${CLEAR_PLACE_HEADS_TABLE}`);
  await client.query(`ANALYZE ${CLEAR_PLACE_HEADS_TABLE}`);
  await client.query(`ANALYZE ${PLACE_HEADS_TABLE}`);
  const { rows } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${CLEAR_PLACE_HEADS_TABLE}) AS any`);
  return rows[0]?.any === true;
}

/**
 * Adds to the candidates free text holds the two and three words in a row (as written, {@link
 * phrasesStartingSql}) that start with the first word of an original full name (`nameStarts`: queries
 * each giving such words, `w`), so that a full name typed all in small letters (`hi im marguerite
 * okonkwo`) or in other capitals than its column's is found quoted; the names joined into one word
 * that start so (`marguerite.okonkwo`, a link's `marguerite-okonkwo`: {@link joinedNamesSql}); and,
 * with `heads` ({@link CLEAR_PLACE_HEADS_TABLE}), the phrase each original street, city or postcode
 * would be around each word that is its head word (`ship to 12 harbour lane`, `i live in kirkwall`,
 * `4 Rue de la Paix`). Every word of the text is read, but only the few phrases starting a name or
 * around a head are made: one hash probe a word, no keyed hash.
 */
async function addRecasedCandidates(client: pg.Client, texts: string, nameStarts: readonly string[], heads: boolean): Promise<void> {
  const starts = `(${nameStarts.length > 0 ? nameStarts.join(' UNION ALL ') : 'SELECT NULL::text AS w WHERE false'})`;
  await client.query(`CREATE TABLE ${RECASED_CANDIDATES_TABLE} AS SELECT DISTINCT fp, tok, key
    FROM (SELECT fp, tok, tok AS key FROM (${phrasesStartingSql(`(${texts})`, starts, heads ? CLEAR_PLACE_HEADS_TABLE : undefined)}) AS p
          ${nameStarts.length > 0 ? `UNION ALL ${joinedNamesSql(`(${texts}) AS src`, 'src.v', `${fingerprintSql('src.v')} AS fp`, starts)}` : ''}) AS r`);
  await client.query(`INSERT INTO ${CANDIDATES_TABLE} SELECT DISTINCT lower(btrim(key)) FROM ${RECASED_CANDIDATES_TABLE}`);
}

/**
 * Records in {@link RECASED_TEXTS_TABLE}, by keyed fingerprint, each free text that quotes an original
 * full name in other capitals than the name detector reads, or a street, city or postcode with a word
 * that starts with neither a capital nor a digit, or a postcode of digits only (after its cue), which
 * the search of capitalised runs does not read (found by {@link addRecasedCandidates}), so that when
 * its table is masked only those texts are read word by word ({@link recasedCandidatesSql}). Then drops
 * what that search kept in clear. Call it once known_values is made, after that search.
 */
async function recordRecasedTexts(client: pg.Client): Promise<void> {
  await client.query(`INSERT INTO ${RECASED_TEXTS_TABLE} SELECT DISTINCT r.fp, k.kind <> 'fullName'
    FROM ${RECASED_CANDIDATES_TABLE} r JOIN ${s}.known_values k ON k.fp = ${fingerprintSql('r.key')} AND k.quoted
   WHERE (k.kind = 'fullName' AND (r.key <> r.tok OR r.tok <> initcap(r.tok) OR r.tok !~ ${quoteLiteral(`[${LETTERS.upper}]`)}))
      OR (k.kind IN (${[...PHRASE_KINDS].map(quoteLiteral).join(', ')}) AND (r.tok ~ ${quoteLiteral(`(^|[[:space:]])[^${LETTERS.upper}[:digit:]]`)} OR r.tok ~ ${quoteLiteral(DIGIT_POSTCODE)}))`);
  await client.query(`DROP TABLE ${RECASED_CANDIDATES_TABLE}`);
  await client.query(`ANALYZE ${RECASED_TEXTS_TABLE}`);
}

/**
 * A query over `texts` (a relation of free text as column `v`, such as {@link freeTextSql} gives)
 * giving, as `tok`, the candidates of each text that {@link RECASED_TEXTS_TABLE} records: of one that
 * quotes a full name in other capitals than its column's, joined into a handle, or written without
 * spaces (unspaced-names.ts), its two and three words in a row, the names joined into one word
 * (joinedNamesSql) and the runs of letters of scripts written without spaces (unspacedRunsSql, only
 * when `search` says some original is one); of one that quotes a street, city or postcode so, the
 * phrases around the head words of places (keyedPlacePhrasesSql, when `search.places`). With, as `key`,
 * what each is compared with the originals as (a joined name's words, `marguerite okonkwo`; the others
 * as they are), and with the text as column `v` first when `withText`: the candidates a unit adds for
 * those. Each text of the unit is hashed once (keyed), and the texts recorded are read once.
 */
export function recasedCandidatesSql(texts: string, search: PhraseSearch, withText = false): string {
  const recorded = (place: boolean): string => `(SELECT v FROM recorded WHERE ${place ? '' : 'NOT '}place) AS rs`;
  const columns = withText ? 'rs.v AS v' : '';
  const asKeys = (query: string): string => `SELECT ${withText ? 'v, ' : ''}tok, tok AS key FROM (${query}) AS c`;
  const branches = [
    asKeys(wordPhrasesSql(recorded(false), 'rs.v', columns)),
    joinedNamesSql(recorded(false), 'rs.v', columns),
    ...(search.unspaced === true ? [asKeys(unspacedRunsSql(recorded(false), 'rs.v', columns, UNSPACED_STARTS))] : []),
    ...(search.places === true ? [asKeys(keyedPlacePhrasesSql(recorded(true), 'rs.v', columns))] : []),
  ];
  return `SELECT * FROM (WITH recorded AS MATERIALIZED (SELECT t.v, r.place FROM ${texts} AS t JOIN ${RECASED_TEXTS_TABLE} AS r ON r.fp = ${fingerprintSql('t.v')})
    ${branches.join(' UNION ALL ')}) AS rc`;
}

/** Whether any free text quotes a full name, street, city or postcode in other capitals than its column's ({@link RECASED_TEXTS_TABLE}). */
export const hasRecasedTexts = (client: pg.Client): Promise<boolean> => tableHasRows(client, RECASED_TEXTS_TABLE);

/**
 * Records the phrase search free text calls for: words of the longest original street, city or postcode
 * (`phraseWords`: queries each giving a count `w`, at most {@link MAX_PHRASE_WORDS}), whether any original
 * username is long enough to look for (`usernames`: queries giving a row when one is). Returns it.
 */
async function recordPhraseSearch(client: pg.Client, phraseWords: readonly string[], usernames: readonly string[]): Promise<PhraseSearch> {
  // Read by a SELECT, which parallel workers may help with, then written: an UPDATE's subqueries run serially.
  const { rows } = await client.query<{ words: number; usernames: boolean }>(
    `SELECT least(coalesce((SELECT max(w) FROM (${phraseWords.length > 0 ? phraseWords.join(' UNION ALL ') : 'SELECT NULL::int AS w'}) AS x), 0), ${MAX_PHRASE_WORDS})::int AS words,
            ${usernames.length > 0 ? `EXISTS (${usernames.join(' UNION ALL ')})` : 'false'} AS usernames`,
  );
  const search: PhraseSearch = { words: rows[0]?.words ?? 0, usernames: rows[0]?.usernames === true };
  await client.query(`UPDATE ${s}.phrase_search SET words = $1, usernames = $2`, [search.words, search.usernames]);
  return search;
}

/** What phrase search the known values call for (recorded by {@link recordKnownValues}), and whether names written without spaces are known. */
export async function phraseSearchOf(client: pg.Client): Promise<PhraseSearch> {
  const { rows } = await client.query<{ words: number; usernames: boolean }>(`SELECT words, usernames FROM ${s}.phrase_search`);
  return { words: rows[0]?.words ?? 0, usernames: rows[0]?.usernames === true, unspaced: await hasUnspacedNames(client), places: await hasPlaceHeads(client) };
}

/** Whether the head words of streets, cities or postcodes are recorded ({@link PLACE_HEADS_TABLE}). */
const hasPlaceHeads = (client: pg.Client): Promise<boolean> => tableHasRows(client, PLACE_HEADS_TABLE);

/**
 * Tells this session's `scrubText` whether known phones exist (then it looks each bare number it reads
 * up by fingerprint: a bare number is rare in text and most texts hold none, where searching every text
 * for them beforehand cost the benchmark 3 core-seconds), the name fakes whether any original name
 * could be mistaken for a fake, and the postcode fakes whether any original postcode is known (one
 * cheap setting each, not a lookup per row). Which quoted values to look for, each unit says for
 * itself (prepareKnownValueHits).
 */
export async function useKnownValues(client: pg.Client): Promise<void> {
  await client.query(`SELECT set_config('rehearsal.known_phones', CASE WHEN EXISTS (SELECT 1 FROM ${s}.known_values WHERE kind = 'phone') THEN 'on' ELSE 'off' END, false),
    set_config('rehearsal.avoid_names', CASE WHEN EXISTS (SELECT 1 FROM ${s}.known_values WHERE shaped AND kind IN (${[...NAME_KINDS].map(quoteLiteral).join(', ')})) THEN 'on' ELSE 'off' END, false),
    set_config('rehearsal.avoid_postcodes', CASE WHEN EXISTS (SELECT 1 FROM ${s}.known_values WHERE shaped AND kind = 'postcode') THEN 'on' ELSE 'off' END, false)`);
}
