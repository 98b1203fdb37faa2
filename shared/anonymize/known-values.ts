import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../db/client';
import { ownRowsSql, type MaskPlan } from './plan';
import { fingerprintSql, MASK_SCHEMA, textOf } from './sql/core';
import { LETTERS, phrasesOfRunSql } from './sql/detectors';
import { FINGERPRINT_SOURCES_TABLE, FINGERPRINT_TABLE, useParallelScans } from './mask-schema';
import { dedupePlacement, distinctShare, fingerprintSourceName } from './fingerprints';
import { typeClassOf } from './strategies';

const s = MASK_SCHEMA;

/**
 * Kinds whose original values `scrubText` looks for in free text (besides what its detectors find); a
 * phone number as its digits, which free text may quote as a bare number (`16505551234`, a WhatsApp id).
 */
export const KNOWN_VALUE_KINDS = new Set(['firstName', 'lastName', 'fullName', 'street', 'city', 'username', 'postcode', 'phone']);
const NAME_KINDS = new Set(['firstName', 'lastName', 'fullName']);
/** Kinds searched as phrases of several words (see {@link phraseSearchOf}): only theirs need a word count. */
const PHRASE_KINDS = new Set(['street', 'city', 'postcode']);
/** Shorter originals are not looked for: `Li` or `NY` would be found inside ordinary text everywhere. */
const MIN_LENGTH = 3;

/**
 * Records, in `known_values`, the fingerprint of every original value a rule masks with a kind free
 * text can quote (names, and each word of a full name; streets, cities, usernames, postcodes; phone
 * numbers' digits) with its kind (and, for streets, cities and postcodes, number of words), so
 * `scrubText` can recognise them in free text and put that value's own fake there, without rehearsal
 * ever storing one in clear. Unlike verify's fingerprints, values a fake could also be are kept
 * (flagged `shaped`): replacing a real value is always right. One `CREATE TABLE … AS`, so the hashing
 * can run over parallel workers. Call it after {@link takeFingerprints}: phones' digits are read from there.
 */
export async function recordKnownValues(client: pg.Client, plan: MaskPlan): Promise<void> {
  const parts: string[] = [];
  const phoneSources: string[] = [];
  for (const table of plan.tables) {
    if (table.truncate) continue;
    const name = ownRowsSql(table);
    for (const column of table.masked) {
      const kind = column.rule.strategy;
      if (!KNOWN_VALUE_KINDS.has(kind) || column.column.isArray || column.follows) continue;
      if (kind === 'phone') {
        phoneSources.push(fingerprintSourceName(table, column));
        continue;
      }
      if (typeClassOf(column.column) !== 'text') continue;
      const ref = `btrim(${textOf(`t.${quoteIdent(column.column.name)}`)})`;
      const present = `t.${quoteIdent(column.column.name)} IS NOT NULL`;
      // Duplicates are harmless (every lookup asks whether a fingerprint is there), so DISTINCT only
      // saves work, placed by the column's statistics like the fingerprints'.
      const placement = dedupePlacement(column.unique ? 1 : await distinctShare(client, table.table.schema, table.table.name, column.column.name));
      const values = `SELECT ${placement === 'before' ? 'DISTINCT' : ''} ${ref} AS v, ${quoteLiteral(kind)} AS k FROM ${name} t WHERE ${present}`;
      parts.push(placement === 'after' ? `SELECT DISTINCT * FROM (${knownRowsSql(values)}) AS d` : knownRowsSql(values));
      if (kind === 'fullName') {
        // First and last names repeat across people whatever the full names do: deduplicated after the hash.
        parts.push(`SELECT DISTINCT * FROM (${knownRowsSql(`SELECT w AS v, CASE WHEN o = 1 THEN 'firstName' ELSE 'lastName' END AS k FROM ${name} t, regexp_split_to_table(${ref}, '\\s+') WITH ORDINALITY AS p(w, o) WHERE ${present}`)}) AS d`);
      }
    }
  }
  if (phoneSources.length > 0) {
    // Phones' digits are fingerprinted already (takeFingerprints runs first): read, not hashed again
    // (0.8 s instead of 2.5 s for 0.9M numbers). Lookups ask only for bare numbers, so other digits there do no harm.
    parts.push(`SELECT f.fp, 'phone'::text AS kind, false AS shaped, 1 AS words FROM ${FINGERPRINT_TABLE} f
      WHERE f.digits AND f.source IN (SELECT id FROM ${FINGERPRINT_SOURCES_TABLE} WHERE source = ANY (ARRAY[${phoneSources.map(quoteLiteral).join(', ')}]::text[]))`);
  }
  await useParallelScans(client);
  // The schema's empty table (the fakes refer to it) is replaced by one built in a single statement.
  await client.query(`DROP TABLE ${s}.known_values`);
  await client.query(`CREATE TABLE ${s}.known_values AS ${parts.length > 0 ? parts.join('\n UNION ALL ') : knownRowsSql('SELECT NULL::text AS v, NULL::text AS k WHERE false')}`);
  await client.query(`CREATE INDEX known_values_fp_idx ON ${s}.known_values (fp)`);
  await client.query(`ANALYZE ${s}.known_values`);
}

/** The `known_values` rows (fp, kind, shaped, words) of `values`, a query giving (v, k). */
function knownRowsSql(values: string): string {
  return `SELECT ${fingerprintSql('v')} AS fp, k AS kind,
            CASE WHEN k IN (${[...NAME_KINDS].map(quoteLiteral).join(', ')}) THEN ${s}.fake_shaped(k, v) ELSE false END AS shaped,
            CASE WHEN k IN (${[...PHRASE_KINDS].map(quoteLiteral).join(', ')}) THEN array_length(regexp_split_to_array(v, '\\s+'), 1) ELSE 1 END AS words
       FROM (${values}) AS x WHERE length(v) >= ${MIN_LENGTH}`;
}

/** Punctuation trimmed from the ends of a phrase before it is looked up (`12 Long Street,`). */
const EDGE_PUNCTUATION = `.,;:!?()"'[]{}<>`;
/** A run of words that each start with a capital or a digit, from a word's start: where streets, cities and postcodes are quoted. */
const SIGNIFICANT_RUN = `(?:^|[^${LETTERS.alnum}_])((?:[${LETTERS.upper}[:digit:]][^[:space:]]*)(?:[[:space:]]+[${LETTERS.upper}[:digit:]][^[:space:]]*)*)`;
/** A word holding a digit or an underscore: where usernames are quoted (`anna_ws42`). */
const MARKED_WORD = '([^[:space:]]*[_[:digit:]][^[:space:]]*)';
/** Phrases longer than this are never looked up (no street needs more words). */
const MAX_PHRASE_WORDS = 6;

/** Which phrases free text must be searched for: none when no street, city, postcode or username was masked. */
export interface PhraseSearch {
  /** Words of the longest known street, city or postcode (0: none known; at most {@link MAX_PHRASE_WORDS}). */
  readonly words: number;
  /** Whether usernames are known: only then are single words holding a digit or underscore looked up. */
  readonly usernames: boolean;
}

/** What phrase search the known values call for. */
export async function phraseSearchOf(client: pg.Client): Promise<PhraseSearch> {
  const { rows } = await client.query<{ words: number; usernames: boolean }>(
    `SELECT least(coalesce(max(words) FILTER (WHERE kind IN (${[...PHRASE_KINDS].map(quoteLiteral).join(', ')})), 0), ${MAX_PHRASE_WORDS})::int AS words,
            count(*) FILTER (WHERE kind = 'username') > 0 AS usernames FROM ${s}.known_values`,
  );
  return { words: rows[0]?.words ?? 0, usernames: rows[0]?.usernames === true };
}

/** Whether a phrase search has anything to look for. */
export const searchesPhrases = (search: PhraseSearch): boolean => search.words > 0 || search.usernames;

/**
 * A query over `from` (a FROM list) giving `columns` and, as `tok`, each phrase of the text `value` (an
 * SQL expression over `from`) that could be a known street, city, postcode or username (call it only when
 * {@link searchesPhrases}): 1 to `search.words` consecutive words of a run of words starting with a capital or digit (`12 Harbour Lane`, `YO21 3PU`),
 * or one word holding a digit or underscore (`anna_ws42`); edge punctuation trimmed; at least one letter,
 * no `@` (emails and phone numbers are the detectors' work). A plain lowercase word is not looked up (a
 * username like `annaws` reads as an ordinary word), which keeps the search to a few phrases per text.
 * A run starts at a word's start (`iPhone` holds no run `Phone`). A run of one word is its own only
 * phrase; only a run of several is split ({@link phrasesOfRunSql}): set-returning functions in the FROM
 * list for every run cost 1.8x as much on text with few runs of several words, 2.9x on text with many
 * (measured on 200k and 100k texts). Needs the mask schema.
 */
export function phrasesSql(from: string, value: string, columns: string, search: PhraseSearch): string {
  const edge = quoteLiteral(EDGE_PUNCTUATION);
  const branches = [
    search.words > 0 ? `SELECT ${columns}, btrim(p.phrase, ${edge}) AS tok
        FROM ${from}, regexp_matches(${value}, ${quoteLiteral(SIGNIFICANT_RUN)}, 'g') AS m,
             unnest(CASE WHEN m[1] !~ '[[:space:]]' THEN ARRAY[m[1]] ELSE ${phrasesOfRunSql('m[1]', search.words)} END) AS p(phrase)
       WHERE length(m[1]) >= ${MIN_LENGTH} AND m[1] ~ ${quoteLiteral(`[${LETTERS.alpha}]`)}` : undefined,
    search.usernames ? `SELECT ${columns}, btrim(x[1], ${edge}) AS tok FROM ${from}, regexp_matches(${value}, ${quoteLiteral(MARKED_WORD)}, 'g') AS x` : undefined,
  ].filter((branch) => branch !== undefined);
  return `SELECT * FROM (${branches.join(' UNION ALL ')}) AS phrases WHERE length(tok) >= ${MIN_LENGTH} AND tok ~ ${quoteLiteral(`[${LETTERS.alpha}]`)} AND strpos(tok, '@') = 0`;
}

/**
 * Tells this session's `scrubText` whether any known values exist, and whether known phones do (then
 * it looks each bare number it reads up by fingerprint: a bare number is rare in text and most texts
 * hold none, where searching every text for them beforehand cost the benchmark 3 core-seconds), and
 * the name fakes whether any original name could be mistaken for a fake (one cheap setting each, not
 * a lookup per row).
 */
export async function useKnownValues(client: pg.Client): Promise<void> {
  await client.query(`SELECT set_config('rehearsal.known_values', CASE WHEN EXISTS (SELECT 1 FROM ${s}.known_values WHERE kind <> 'phone') THEN 'on' ELSE 'off' END, false),
    set_config('rehearsal.known_phones', CASE WHEN EXISTS (SELECT 1 FROM ${s}.known_values WHERE kind = 'phone') THEN 'on' ELSE 'off' END, false),
    set_config('rehearsal.avoid_names', CASE WHEN EXISTS (SELECT 1 FROM ${s}.known_values WHERE shaped) THEN 'on' ELSE 'off' END, false)`);
}
