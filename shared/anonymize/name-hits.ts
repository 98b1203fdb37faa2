import type pg from 'pg';
import { quoteIdent } from '../db/client';
import type { MaskUnit } from './plan';
import { MASK_SCHEMA } from './sql/core';
import { DETECTORS } from './sql/detectors';

const s = MASK_SCHEMA;

/**
 * Above this many distinct known names quoted in a unit's free text, `scrubText` looks each run of
 * capitalised words up by fingerprint instead (one alternation of thousands of names costs more to
 * match than it saves).
 */
export const MAX_NAME_HITS = 2000;

/** The session settings `scrub_text` reads (transaction-local: they end with the unit's transaction). */
export const NAME_SETTINGS = { mode: 'rehearsal.known_names', pattern: 'rehearsal.name_hits' } as const;

/**
 * Before a unit is masked, finds which runs of capitalised words (and words of those runs) in its
 * free-text columns are names a rule masks elsewhere, set-based: each distinct candidate is
 * fingerprinted once and joined with `known_names`, instead of one lookup per run per row. The hits go
 * to a temporary table dropped at commit (they are names from the very rows being masked, never kept),
 * and `scrub_text` gets one pattern matching any of them: rows quoting no known name cost one regex test.
 * `range` limits the search to a batch's rows (a condition over alias `t`). Returns the number of hits
 * (-1: too many, `scrub_text` looks every run up).
 */
export async function prepareNameHits(client: pg.Client, unit: MaskUnit, range?: string): Promise<number> {
  const sources = unit.tables.flatMap((plan) =>
    plan.masked
      .filter((column) => column.rule.strategy === 'scrubText' || (column.rule.strategy === 'json' && Object.values(column.rule.paths).some((leaf) => leaf.strategy === 'scrubText')))
      .map((column) => `SELECT t.${quoteIdent(column.column.name)}::text AS v FROM ${quoteIdent(plan.table.schema)}.${quoteIdent(plan.table.name)} t${range === undefined ? '' : ` WHERE ${range}`}`),
  );
  const { rows: known } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${s}.known_names) AS any`);
  if (sources.length === 0 || known[0]?.any !== true) {
    await client.query('SELECT set_config($1, $2, true)', [NAME_SETTINGS.mode, 'off']);
    return 0;
  }
  await client.query('CREATE TEMP TABLE rehearsal_name_hits (tok text PRIMARY KEY, kind text NOT NULL) ON COMMIT DROP');
  await client.query(
    `WITH runs AS (SELECT DISTINCT m[1] AS tok FROM (${sources.join(' UNION ALL ')}) AS src, regexp_matches(src.v, $1, 'g') AS m
                    WHERE src.v ~ '[[:upper:]][[:lower:]]'),
          candidates AS (SELECT tok FROM runs
                         UNION SELECT w FROM runs, regexp_split_to_table(runs.tok, '[ ''-]') AS w WHERE strpos(runs.tok, ' ') > 0 AND length(w) >= 3)
     INSERT INTO pg_temp.rehearsal_name_hits (tok, kind)
     SELECT c.tok, min(k.kind) FROM candidates c JOIN ${s}.known_names k ON k.fp = ${s}.fingerprint(c.tok) GROUP BY c.tok`,
    [DETECTORS.name],
  );
  const { rows } = await client.query<{ n: number; pattern: string | null }>(
    // Longest first, so a known full name is replaced whole before its first name alone could match.
    `SELECT count(*)::int AS n, '\\m(' || string_agg(tok, '|' ORDER BY length(tok) DESC, tok) || ')\\M' AS pattern FROM pg_temp.rehearsal_name_hits`,
  );
  const hits = rows[0]?.n ?? 0;
  if (hits > MAX_NAME_HITS) {
    await client.query('SELECT set_config($1, $2, true)', [NAME_SETTINGS.mode, 'on']);
    return -1;
  }
  await client.query('SELECT set_config($1, $2, true), set_config($3, $4, true)', [NAME_SETTINGS.mode, hits === 0 ? 'off' : 'hits', NAME_SETTINGS.pattern, rows[0]?.pattern ?? '']);
  return hits;
}
