import type pg from 'pg';
import { quoteLiteral } from '../db/client';
import type { MaskUnit } from './plan';
import { useParallelScans } from './mask-schema';
import { fingerprintSql, MASK_SCHEMA } from './sql/core';
import { LETTERS, WORD_BOUNDS } from './sql/detectors';
import { freeTextSql, phraseSearchOf } from './known-values';
import { candidateTokensSql, HITS_TABLE } from './sql/candidates';

const s = MASK_SCHEMA;

/**
 * Above this many distinct known values quoted in a unit's free text, `scrubText` looks each text's own
 * candidates up among the unit's hits instead (`quoted_hits`): one alternation of thousands of values
 * costs more to match than it saves.
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
 * number of hits (-1: too many for one pattern, `scrub_text` looks each text's candidates up among them). When no
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
       FROM (SELECT DISTINCT tok FROM candidates WHERE length(tok) >= 3) AS c JOIN ${s}.known_values k ON k.fp = ${fingerprintSql('c.tok')}
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
    await client.query('SELECT set_config($1, $2, true)', [HIT_SETTINGS.mode, 'lookup']);
    return -1;
  }
  await client.query('SELECT set_config($1, $2, true), set_config($3, $4, true)', [HIT_SETTINGS.mode, hits === 0 ? 'off' : 'hits', HIT_SETTINGS.pattern, rows[0]?.pattern ?? '']);
  return hits;
}

/** Drops the unit's hits ({@link HITS_TABLE}); every unit and batch calls it before it commits. */
export async function dropKnownValueHits(client: pg.Client): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${HITS_TABLE}`);
}
