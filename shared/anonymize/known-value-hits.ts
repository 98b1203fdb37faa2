import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../db/client';
import { parseJsonPath, toSqlJsonPath } from './json-path';
import { qualifiedSql, type MaskUnit, type TablePlan } from './plan';
import { useParallelScans } from './mask-schema';
import { fingerprintSql, MASK_SCHEMA, textOf } from './sql/core';
import { LETTERS, WORD_BOUNDS } from './sql/detectors';
import { freeTextSql, phraseSearchOf } from './known-values';
import { candidateTokensSql, HITS_TABLE, MIN_KNOWN_LENGTH, TEXT_HITS_TABLE, type PhraseSearch } from './sql/candidates';

const s = MASK_SCHEMA;

/**
 * Above this many distinct known values quoted in a unit's free text, each text gets a pattern of the
 * hits it quotes instead ({@link TEXT_HITS_TABLE}): one alternation of thousands of values costs more to
 * match than it saves.
 */
export const MAX_HITS = 2000;

/** The session settings `scrub_text` reads (transaction-local: they end with the unit's transaction). */
export const HIT_SETTINGS = { mode: 'rehearsal.known_values', pattern: 'rehearsal.value_hits' } as const;

/** Escapes every character of a phrase that is not a letter, digit, space or underscore, for an ARE pattern. */
const ESCAPE = { pattern: `([^${LETTERS.alnum}[:space:]_])`, replacement: '\\\\\\1' };

/**
 * Before a unit is masked, finds which original values a rule masks elsewhere (`known_values`: names,
 * streets, cities, usernames, postcodes) its free-text columns quote, set-based: each distinct candidate
 * (a run of capitalised words, its shorter runs and its words; when non-name values are known, every
 * phrase of up to as many words as the longest of them that starts with a capital or digit or holds a
 * digit or underscore) is fingerprinted once and joined with `known_values`, instead of one lookup per row. The
 * hits go to {@link HITS_TABLE}, dropped before the unit commits (they are values from the very rows
 * being masked, never kept), and `scrub_text` gets one pattern matching any of them: rows quoting none cost one
 * regex test. `range` limits the search to a batch's rows (a condition over alias `t`). Returns the
 * number of hits (-1: too many for one pattern, see {@link prepareTextHits}). When no
 * free text quotes a known value (recordKnownValues searched all of it before masking), the unit's text
 * is not searched at all.
 */
export async function prepareKnownValueHits(client: pg.Client, unit: MaskUnit, range?: string): Promise<number> {
  const sources = freeTextSql(unit.tables, range);
  // Phones' digits are not searched for here: scrub_text looks each bare number up itself (see useKnownValues).
  const { rows: known } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${s}.known_values WHERE quoted) AS any`);
  if (sources === undefined || known[0]?.any !== true) {
    await client.query('SELECT set_config($1, $2, true)', [HIT_SETTINGS.mode, 'off']);
    return 0;
  }
  const search = await phraseSearchOf(client);
  await useParallelScans(client);
  await dropKnownValueHits(client);
  await client.query(
    `CREATE TABLE ${HITS_TABLE} AS
     WITH src AS NOT MATERIALIZED (${sources}),
          candidates AS (${candidateTokensSql('src', 'src.v', search)})
     SELECT c.tok, min(k.kind) AS kind, regexp_replace(c.tok, $1, $2, 'g') AS pattern
       FROM (SELECT DISTINCT tok FROM candidates WHERE length(tok) >= ${MIN_KNOWN_LENGTH}) AS c JOIN ${s}.known_values k ON k.fp = ${fingerprintSql('c.tok')}
      GROUP BY c.tok`,
    [ESCAPE.pattern, ESCAPE.replacement],
  );
  await client.query(`ALTER TABLE ${HITS_TABLE} ADD PRIMARY KEY (tok)`);
  const { rows } = await client.query<{ n: number; pattern: string | null }>(
    // Longest first, so a known full name or street is replaced whole before a part of it could match.
    `SELECT count(*)::int AS n, ${quoteLiteral(`${WORD_BOUNDS.start}(`)} || string_agg(pattern, '|' ORDER BY length(tok) DESC, tok) || ${quoteLiteral(`)${WORD_BOUNDS.end}`)} AS pattern FROM ${HITS_TABLE}`,
  );
  const hits = rows[0]?.n ?? 0;
  if (hits > MAX_HITS) {
    await prepareTextHits(client, unit.tables, search, range);
    await client.query('SELECT set_config($1, $2, true)', [HIT_SETTINGS.mode, 'lookup']);
    return -1;
  }
  await client.query('SELECT set_config($1, $2, true), set_config($3, $4, true)', [HIT_SETTINGS.mode, hits === 0 ? 'off' : 'hits', HIT_SETTINGS.pattern, rows[0]?.pattern ?? '']);
  return hits;
}

/**
 * When the unit's text quotes more than {@link MAX_HITS} known values: for each text `scrub_text` will
 * get that quotes some of the unit's hits, the pattern of those (longest first), keyed by the text's
 * md5, in {@link TEXT_HITS_TABLE}. Set-based, over parallel workers: `scrub_text` then makes one
 * primary-key lookup a text, instead of finding and looking up each text's candidates itself (a query
 * of its own per text: on a million texts, a tenth quoting their customer's name and city, 75 s
 * against 25 s for the whole table's rewrite). Two texts with one md5 would share their patterns,
 * which is harmless: each alternative is a known value, replaced by its own fake wherever it is.
 */
async function prepareTextHits(client: pg.Client, tables: readonly TablePlan[], search: PhraseSearch, range?: string): Promise<void> {
  const texts = scrubbedTextsSql(tables, range);
  if (texts === undefined) return;
  await client.query(
    `CREATE TABLE ${TEXT_HITS_TABLE} AS
     WITH src AS NOT MATERIALIZED (${texts}),
          candidates AS (${candidateTokensSql('src', 'src.v', search, undefined, true)})
     SELECT x.h, '(' || string_agg(x.pattern, '|' ORDER BY length(x.tok) DESC, x.tok) || ')' AS pattern
       FROM (SELECT DISTINCT md5(c.v)::uuid AS h, v.tok, v.pattern FROM candidates c JOIN ${HITS_TABLE} v ON v.tok = c.tok) AS x
      GROUP BY x.h`,
  );
  await client.query(`ALTER TABLE ${TEXT_HITS_TABLE} ADD PRIMARY KEY (h)`);
}

/**
 * SQL giving, as column `v`, each text `scrub_text` gets when `tables` are masked, exactly as it gets
 * it: a scrubText column's values (each element of an array, a JSON document whole), and the values
 * at a JSON rule's scrubText paths (read as `json_apply` reads them, and as the fingerprints do). `range`
 * as in {@link freeTextSql}.
 */
function scrubbedTextsSql(tables: readonly TablePlan[], range?: string): string | undefined {
  const sources = tables.flatMap((plan) => plan.masked.flatMap((column) => {
    const ref = `t.${quoteIdent(column.column.name)}`;
    const rows = `${qualifiedSql(plan)} t`;
    const where = `${ref} IS NOT NULL${range === undefined ? '' : ` AND ${range}`}`;
    const values = column.column.isArray ? `${rows}, unnest(${ref}) AS e(v)` : `${rows}, LATERAL (SELECT ${ref} AS v) AS e`;
    if (column.rule.strategy === 'scrubText') return [`SELECT ${textOf('e.v')} AS v FROM ${values} WHERE ${where}`];
    if (column.rule.strategy !== 'json') return [];
    return Object.entries(column.rule.paths).filter(([, leaf]) => leaf.strategy === 'scrubText').map(([path]) =>
      `SELECT j.node #>> '{}' AS v FROM ${values}, LATERAL jsonb_path_query(e.v::jsonb, ${quoteLiteral(toSqlJsonPath(parseJsonPath(path)))}) AS j(node) WHERE ${where}`);
  }));
  return sources.length === 0 ? undefined : sources.join(' UNION ALL ');
}

/** Drops the unit's hits ({@link HITS_TABLE}, {@link TEXT_HITS_TABLE}); every unit and batch calls it before it commits. */
export async function dropKnownValueHits(client: pg.Client): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${HITS_TABLE}, ${TEXT_HITS_TABLE}`);
}
