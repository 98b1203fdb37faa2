import type pg from 'pg';
import { quoteLiteral } from '../db/client';
import type { MaskUnit } from './plan';
import { useParallelScans } from './mask-schema';
import { fingerprintSql, LONG_TEXT_BYTES, MASK_SCHEMA } from './sql/core';
import { JOINED_END, LETTERS, SPACE_RUN, WORD_BOUNDS } from './sql/detectors';
import { freeTextSql, hasRecasedTexts, PHRASE_KINDS, phraseSearchOf, recasedCandidatesSql } from './known-values';
import { candidateTokensSql, DIGIT_POSTCODE, HITS_TABLE, knownLengthSql, TEXT_HITS_TABLE, type PhraseSearch } from './sql/candidates';

const s = MASK_SCHEMA;

/**
 * Above this many distinct known values quoted in a unit's free text, each text gets a pattern of the
 * hits it quotes ({@link TEXT_HITS_TABLE}), however many texts quote them. One pattern of them all is
 * tried on every text, and costs about 0.3 microseconds a text more for each value it holds; a text's
 * own pattern costs one lookup, 5 to 9 microseconds (measured with `scrub_text` on 100k texts, in
 * microseconds a text: 10 values 21 against 26, 30 values 29 against 26, 1,000 values 294 against 30).
 */
export const MAX_HITS = 25;

/**
 * Up to this many known values quoted in a unit's free text, one pattern of them all costs a text no
 * more than a lookup of its own would (about 1.5 microseconds), however few texts quote them.
 */
const FEW_HITS = 5;

/** The session settings `scrub_text` reads (transaction-local: they end with the unit's transaction). */
export const HIT_SETTINGS = { mode: 'rehearsal.known_values', pattern: 'rehearsal.value_hits', textKeys: 'rehearsal.text_keys' } as const;

/**
 * Up to this many texts with patterns of their own, their keys are listed in a setting, and `scrub_text`
 * looks up only those (a string search of the list, 1 to 2 microseconds a text, against 5 to 9 for a
 * lookup; a list of 1,000 keys costs 20). So few texts quoting more than {@link FEW_HITS} known values
 * get patterns of their own.
 */
const FEW_TEXTS = 100;

/**
 * Whether each text gets a pattern of the hits it quotes, rather than every text one pattern of them
 * all: when that pattern would hold more than {@link MAX_HITS} values, or more than {@link FEW_HITS}
 * and at most {@link FEW_TEXTS} texts quote them (their keys then spare the others a lookup).
 */
export const patternPerText = (hits: number, texts: number): boolean => hits > MAX_HITS || (hits > FEW_HITS && texts <= FEW_TEXTS);

/**
 * Escapes every character of a phrase that is not a letter, digit, space or underscore, for an ARE
 * pattern; each space then reads any run of whitespace ({@link SPACE_RUN}): `Ann  Smith`, a no-break space.
 */
const ESCAPE = { pattern: `([^${LETTERS.alnum}[:space:]_])`, replacement: '\\\\\\1' };

/**
 * Before a unit is masked, finds which original values a rule masks elsewhere (`known_values`: names,
 * streets, cities, usernames, postcodes) its free text quotes ({@link freeTextSql}), set-based: each
 * distinct candidate (a run of capitalised words, its shorter runs and its words; when non-name values
 * are known, every phrase of up to as many words as the longest of them that starts with a capital or
 * digit or holds a digit or underscore; in the texts recorded as quoting a full name in other
 * capitals than its column's, every two and three words in a row, see {@link recasedCandidatesSql}) is
 * fingerprinted once and joined with `known_values`, instead of one lookup per row (when free text quotes more than a few known values, see {@link prepareTextHits}).
 * The hits go to {@link HITS_TABLE}, dropped before the unit commits (they are
 * values from the very rows being masked, never kept), and `scrub_text` gets one pattern matching any of
 * them: rows quoting none cost one regex test. `range` limits the search to a batch's rows (a condition
 * over alias `t`). Returns the number of hits (-1: each text gets its own pattern, see {@link prepareTextHits}).
 * When no free text quotes a known value (recordKnownValues searched all of it before masking), the
 * unit's text is not searched at all.
 */
export async function prepareKnownValueHits(client: pg.Client, unit: MaskUnit, range?: string): Promise<number> {
  const sources = freeTextSql(unit.tables, range);
  // Phones' digits are not searched for here: scrub_text looks each bare number up itself (see useKnownValues).
  const { rows: known } = await client.query<{ quoted: number }>(`SELECT count(*)::int AS quoted FROM ${s}.known_values WHERE quoted`);
  const quoted = known[0]?.quoted ?? 0;
  if (sources === undefined || quoted === 0) {
    await client.query('SELECT set_config($1, $2, true)', [HIT_SETTINGS.mode, 'off']);
    return 0;
  }
  const search = await phraseSearchOf(client);
  const recased = await hasRecasedTexts(client);
  await useParallelScans(client);
  await dropKnownValueHits(client);
  // A place read after a cue only (`moving to hope`) is replaced only in the texts that quote it so:
  // in one pattern for every text, `i hope so` would lose its `hope` too.
  if (quoted > FEW_HITS || (recased && search.places === true)) return prepareTextHits(client, sources, search, recased);
  await client.query(
    `CREATE TABLE ${HITS_TABLE} AS
     WITH src AS NOT MATERIALIZED (${sources}),
          candidates AS (SELECT tok, tok AS key FROM (${candidateTokensSql('src', 'src.v', search)}) AS t${recased ? ` UNION ALL ${recasedCandidatesSql('src', search)}` : ''})
     SELECT c.tok, min(${hitKindSql}) AS kind, ${escapedSql('c.tok')} AS pattern
       FROM (SELECT DISTINCT tok, key FROM candidates WHERE ${knownLengthSql('tok')}) AS c JOIN ${s}.known_values k ON ${knownJoinSql}
      GROUP BY c.tok`,
  );
  return useHits(client);
}

/**
 * The join of candidates `c` (`tok` as written, `key` as compared: a joined name's words) with the known
 * values quoted in free text: a joined name (`marguerite.okonkwo`) only with full names.
 */
const knownJoinSql = `k.fp = ${fingerprintSql('c.key')} AND k.quoted AND (c.key = c.tok OR k.kind = 'fullName')`;
/** The kind of a hit: its known value's, or `joinedFullName` for a joined name, whose fake is written joined the same way (known_fake). */
const hitKindSql = `CASE WHEN c.key = c.tok THEN k.kind ELSE 'joinedFullName' END`;

/** SQL escaping the text `value` for an ARE pattern (see {@link ESCAPE}). */
const escapedSql = (value: string): string =>
  `replace(regexp_replace(${value}, ${quoteLiteral(ESCAPE.pattern)}, ${quoteLiteral(ESCAPE.replacement)}, 'g'), ' ', ${quoteLiteral(SPACE_RUN)})`;

/**
 * Gives `scrub_text` the unit's hits, once {@link HITS_TABLE} holds them: one pattern of them all, or
 * none when there are none. Returns their number; given how many `texts` quote them, -1 when each text
 * is better given its own ({@link patternPerText}), and `scrub_text` is told to read those (the caller
 * makes them). The pattern is made and set in the server, and made only when used: it never reaches
 * this process (a tenth of a million texts quoting their customer made one of 200,000 hits; sent to
 * Node and back, it took a process of its own to a peak RSS of 190 MB, 93 MB without).
 */
async function useHits(client: pg.Client, texts?: number, perText = false): Promise<number> {
  await client.query(`ALTER TABLE ${HITS_TABLE} ADD PRIMARY KEY (tok)`);
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${HITS_TABLE}`);
  const hits = rows[0]?.n ?? 0;
  if (texts !== undefined && (perText || patternPerText(hits, texts))) {
    await client.query('SELECT set_config($1, $2, true)', [HIT_SETTINGS.mode, 'lookup']);
    return -1;
  }
  // Longest first, so a known full name or street is replaced whole before a part of it could match.
  // Each ends where its kind does: a joined name (a handle) before digits too (JOINED_END).
  const pattern = `SELECT coalesce(${quoteLiteral(`${WORD_BOUNDS.start}(`)} || string_agg(pattern || CASE WHEN kind = 'joinedFullName' THEN ${quoteLiteral(JOINED_END)} ELSE ${quoteLiteral(WORD_BOUNDS.end)} END, '|' ORDER BY length(tok) DESC, tok) || ')', '') FROM ${HITS_TABLE}`;
  // Their lengths come back, not the pattern.
  await client.query(`SELECT length(set_config($1, $2, true)) AS mode, length(set_config($3, (${pattern}), true)) AS pattern`, [HIT_SETTINGS.mode, hits === 0 ? 'off' : 'hits', HIT_SETTINGS.pattern]);
  return hits;
}

/**
 * Whether some of the unit's hits ({@link TEXT_VALUE_HITS_TABLE}) is a street, city or postcode of one
 * word in small letters (`hope`) or a postcode of digits (`94107`): found only after a cue (PLACE_CUES,
 * a postcode's), and so replaced only in the texts quoting it so, each with its own pattern, never in
 * one pattern for every text (`order 94107` elsewhere keeps its number).
 */
async function hasCuedHits(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${TEXT_VALUE_HITS_TABLE}
    WHERE kind IN (${[...PHRASE_KINDS].map(quoteLiteral).join(', ')}) AND (tok ~ ${quoteLiteral(`^[${LETTERS.lower}]+$`)} OR tok ~ ${quoteLiteral(DIGIT_POSTCODE)})) AS any`);
  return rows[0]?.any === true;
}

/** Each text's hits (`h`, `tok`, `kind`), while {@link prepareTextHits} makes the unit's hits and each text's pattern of them from it. */
const TEXT_VALUE_HITS_TABLE = `${s}.text_value_hits`;

/**
 * {@link prepareKnownValueHits} when free text quotes more than {@link FEW_HITS} known values, so that
 * each text may be better given a pattern of its own ({@link patternPerText}): one search finds each
 * text's hits with the text, and then {@link TEXT_HITS_TABLE} gets, for each text quoting some, the
 * pattern of those (longest first), keyed by the text's md5. `scrub_text` then makes one primary-key
 * lookup a text, instead of finding and looking up its candidates itself (a query of its own per text:
 * on a million texts, a tenth quoting their customer's name and city, 75 s against 27 s for the whole
 * table's rewrite). Each occurrence of a
 * candidate is fingerprinted, not each distinct one: a second search of the text to find the texts
 * again would cost more. {@link HITS_TABLE} is filled from the same search (a text decoded from
 * base64 inside another looks its candidates up there), and when the unit's own hits are few enough
 * after all, they make the one pattern. When at most {@link FEW_TEXTS} texts have patterns, their keys
 * are listed in a setting too, so that the others skip the lookup. Two texts with one md5 would share
 * their patterns, which is harmless: each alternative is a known value, replaced by its own fake
 * wherever it is.
 */
async function prepareTextHits(client: pg.Client, sources: string, search: PhraseSearch, recased: boolean): Promise<number> {
  // A text's key (md5) is computed for each of its hits, after the join; a long text's once, before
  // its candidates, each of them once (a long text quoting a name often cost its length times its quotes).
  const one = '(SELECT lt.v AS v)';
  await client.query(
    `CREATE TABLE ${TEXT_VALUE_HITS_TABLE} AS
     WITH src AS NOT MATERIALIZED (${sources}),
          short AS NOT MATERIALIZED (SELECT v FROM src WHERE octet_length(v) <= ${LONG_TEXT_BYTES}),
          candidates AS (SELECT v, NULL::uuid AS h, tok, key FROM (SELECT v, tok, tok AS key FROM (${candidateTokensSql('short', 'short.v', search, undefined, true)}) AS t${recased ? ` UNION ALL ${recasedCandidatesSql('short', search, true)}` : ''}) AS st
            UNION ALL
            SELECT NULL, lt.h, c.tok, c.key FROM (SELECT v, md5(v)::uuid AS h FROM src WHERE octet_length(v) > ${LONG_TEXT_BYTES}) AS lt,
              LATERAL (SELECT DISTINCT tok, key FROM (SELECT tok, tok AS key FROM (${candidateTokensSql(`${one} AS one`, 'one.v', search)}) AS t${recased ? ` UNION ALL SELECT tok, key FROM (${recasedCandidatesSql(one, search)}) AS r` : ''}) AS u) AS c)
     SELECT DISTINCT coalesce(c.h, md5(c.v)::uuid) AS h, c.tok, ${hitKindSql} AS kind
       FROM candidates c JOIN ${s}.known_values k ON ${knownJoinSql}
      WHERE ${knownLengthSql('c.tok')}`,
  );
  await client.query(`CREATE TABLE ${HITS_TABLE} AS SELECT tok, min(kind) AS kind, ${escapedSql('tok')} AS pattern FROM ${TEXT_VALUE_HITS_TABLE} GROUP BY tok`);
  const { rows } = await client.query<{ texts: number }>(`SELECT count(DISTINCT h)::int AS texts FROM ${TEXT_VALUE_HITS_TABLE}`);
  const texts = rows[0]?.texts ?? 0;
  const hits = await useHits(client, texts, await hasCuedHits(client));
  if (hits === -1) {
    await client.query(`CREATE TABLE ${TEXT_HITS_TABLE} AS
      SELECT x.h, '(' || string_agg(v.pattern, '|' ORDER BY length(v.tok) DESC, v.tok) || ')' AS pattern
        FROM (SELECT DISTINCT h, tok FROM ${TEXT_VALUE_HITS_TABLE}) AS x JOIN ${HITS_TABLE} v ON v.tok = x.tok
       GROUP BY x.h`);
    await client.query(`ALTER TABLE ${TEXT_HITS_TABLE} ADD PRIMARY KEY (h)`);
    // Set either way (empty: no list), so that scrub_text reads no list but this unit's.
    const keys = texts <= FEW_TEXTS ? `(SELECT coalesce(string_agg(replace(h::text, '-', ''), ','), '') FROM ${TEXT_HITS_TABLE})` : `''`;
    await client.query(`SELECT length(set_config($1, ${keys}, true)) AS keys`, [HIT_SETTINGS.textKeys]);
  }
  await client.query(`DROP TABLE ${TEXT_VALUE_HITS_TABLE}`);
  return hits;
}

/** Drops the unit's hits ({@link HITS_TABLE}, {@link TEXT_HITS_TABLE}); every unit and batch calls it before it commits. */
export async function dropKnownValueHits(client: pg.Client): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${HITS_TABLE}, ${TEXT_HITS_TABLE}, ${TEXT_VALUE_HITS_TABLE}`);
}
