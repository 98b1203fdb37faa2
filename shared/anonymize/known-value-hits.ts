import type pg from 'pg';
import { quoteIdent } from '../db/client';
import type { MaskUnit } from './plan';
import { MASK_SCHEMA } from './sql/core';
import { DETECTORS } from './sql/detectors';
import { phraseSearchOf, phrasesSql, searchesPhrases } from './known-values';

const s = MASK_SCHEMA;

/**
 * Above this many distinct known values quoted in a unit's free text, `scrubText` looks each run of
 * capitalised words up by fingerprint instead (one alternation of thousands of values costs more to
 * match than it saves).
 */
export const MAX_HITS = 2000;

/** The session settings `scrub_text` reads (transaction-local: they end with the unit's transaction). */
export const HIT_SETTINGS = { mode: 'rehearsal.known_values', pattern: 'rehearsal.value_hits' } as const;

/** Escapes every character of a phrase that is not a letter, digit, space or underscore, for an ARE pattern. */
const ESCAPE = { pattern: '([^[:alnum:][:space:]_])', replacement: '\\\\\\1' };

/**
 * Before a unit is masked, finds which original values a rule masks elsewhere (`known_values`: names,
 * streets, cities, usernames, postcodes) its free-text columns quote, set-based: each distinct candidate
 * (a run of capitalised words and its words; when non-name values are known, every phrase of up to as
 * many words as the longest of them that starts with a capital or digit or holds a digit or
 * underscore) is fingerprinted once and joined with `known_values`, instead of one lookup per row. The
 * hits go to a temporary table dropped at commit (they are values from the very rows being masked,
 * never kept), and `scrub_text` gets one pattern matching any of them: rows quoting none cost one
 * regex test. `range` limits the search to a batch's rows (a condition over alias `t`). Returns the
 * number of hits (-1: too many, `scrub_text` looks every run of capitalised words up instead).
 */
export async function prepareKnownValueHits(client: pg.Client, unit: MaskUnit, range?: string): Promise<number> {
  const sources = unit.tables.flatMap((plan) =>
    plan.masked
      .filter((column) => column.rule.strategy === 'scrubText' || (column.rule.strategy === 'json' && Object.values(column.rule.paths).some((leaf) => leaf.strategy === 'scrubText')))
      .map((column) => `SELECT t.${quoteIdent(column.column.name)}::text AS v FROM ${quoteIdent(plan.table.schema)}.${quoteIdent(plan.table.name)} t${range === undefined ? '' : ` WHERE ${range}`}`),
  );
  const { rows: known } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${s}.known_values) AS any`);
  if (sources.length === 0 || known[0]?.any !== true) {
    await client.query('SELECT set_config($1, $2, true)', [HIT_SETTINGS.mode, 'off']);
    return 0;
  }
  const search = await phraseSearchOf(client);
  const phrases = searchesPhrases(search) ? `UNION SELECT tok FROM (${phrasesSql('src', 'src.v', 'true AS phrase', search)}) AS p` : '';
  await client.query('CREATE TEMP TABLE rehearsal_value_hits (tok text PRIMARY KEY, kind text NOT NULL, pattern text NOT NULL) ON COMMIT DROP');
  await client.query(
    `WITH src AS MATERIALIZED (SELECT v FROM (${sources.join(' UNION ALL ')}) AS x WHERE v IS NOT NULL),
          runs AS (SELECT DISTINCT m[1] AS tok FROM src, regexp_matches(src.v, $1, 'g') AS m WHERE src.v ~ '[[:upper:]][[:lower:]]'),
          candidates AS (SELECT tok FROM runs
                         UNION SELECT w FROM runs, regexp_split_to_table(runs.tok, '[ ''-]') AS w WHERE strpos(runs.tok, ' ') > 0
                         ${phrases})
     INSERT INTO pg_temp.rehearsal_value_hits (tok, kind, pattern)
     SELECT c.tok, min(k.kind), regexp_replace(c.tok, $2, $3, 'g') FROM candidates c JOIN ${s}.known_values k ON k.fp = ${s}.fingerprint(c.tok)
      WHERE length(c.tok) >= 3 GROUP BY c.tok`,
    [DETECTORS.name, ESCAPE.pattern, ESCAPE.replacement],
  );
  const { rows } = await client.query<{ n: number; pattern: string | null }>(
    // Longest first, so a known full name or street is replaced whole before a part of it could match.
    `SELECT count(*)::int AS n, '(?<![[:alnum:]_])(' || string_agg(pattern, '|' ORDER BY length(tok) DESC, tok) || ')(?![[:alnum:]_])' AS pattern FROM pg_temp.rehearsal_value_hits`,
  );
  const hits = rows[0]?.n ?? 0;
  if (hits > MAX_HITS) {
    await client.query('SELECT set_config($1, $2, true)', [HIT_SETTINGS.mode, 'on']);
    return -1;
  }
  await client.query('SELECT set_config($1, $2, true), set_config($3, $4, true)', [HIT_SETTINGS.mode, hits === 0 ? 'off' : 'hits', HIT_SETTINGS.pattern, rows[0]?.pattern ?? '']);
  return hits;
}
