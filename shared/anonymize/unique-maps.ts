import type pg from 'pg';
import { quoteIdent } from '../db/client';
import { MaskingFailedError } from './errors';
import { maskElementSql } from './expressions';
import type { ColumnPlan, MaskUnit } from './plan';
import { MASK_SCHEMA } from './sql/core';
import { UNIQUE_ATTEMPT_BASE } from './sql/fakes';

/** A collision-free original-to-fake map for one unique column and the columns that follow it. */
export interface UniqueMap {
  readonly table: string;
  readonly rootId: string;
}

/** Retries before giving up: each retry re-derives only the colliding values, so a few always suffice unless the column is too short. */
const MAX_ATTEMPTS = 25;

interface MapGroup {
  readonly root: ColumnPlan;
  readonly sources: string[];
  readonly table: string;
}

/** The maps a unit needs (one per unique masked column with its followers), in a stable order and named `<prefix>_<n>`. */
function mapGroups(unit: MaskUnit, prefix: string): Map<string, MapGroup> {
  const groups = new Map<string, { root: ColumnPlan; sources: string[] }>();
  for (const plan of unit.tables) {
    for (const column of plan.masked) {
      if ((!column.unique && column.follows === undefined) || column.rule.strategy === 'null') continue;
      const group = groups.get(column.rootId) ?? { root: column, sources: [] };
      if (column.follows === undefined) group.root = column;
      group.sources.push(`SELECT ${quoteIdent(column.column.name)}::text AS v FROM ${quoteIdent(plan.table.schema)}.${quoteIdent(plan.table.name)}`);
      groups.set(column.rootId, group);
    }
  }
  return new Map([...groups].map(([rootId, group], i) => [rootId, { ...group, table: `${MASK_SCHEMA}.${prefix}_${i + 1}` }]));
}

/** The maps {@link buildUniqueMaps} made for a unit under `prefix`, without building them again (a resumed run). */
export function existingUniqueMaps(unit: MaskUnit, prefix: string): Map<string, UniqueMap> {
  return new Map([...mapGroups(unit, prefix)].map(([rootId, group]) => [rootId, { table: group.table, rootId }]));
}

/** Whether a unit has unique (or key-following) masked columns, which need collision-free maps to mask in batches. */
export const needsUniqueMaps = (unit: MaskUnit): boolean => mapGroups(unit, 'x').size > 0;

/**
 * Builds, for every unique masked column of a unit (with the foreign-key columns that follow it), a map
 * of each distinct original to a fake that differs from every other fake and from every original (so
 * the UPDATE never meets a transient duplicate either). Colliding values are re-derived with the next
 * attempt number until none collide: uniqueness is guaranteed, not hoped for. The maps are unlogged
 * tables `rehearsal_mask.<prefix>_<n>`.
 */
export async function buildUniqueMaps(client: pg.Client, unit: MaskUnit, prefix = 'unique_map'): Promise<Map<string, UniqueMap>> {
  const maps = new Map<string, UniqueMap>();
  for (const [rootId, { root, sources, table }] of mapGroups(unit, prefix)) {
    const column = root.root;
    const cmp = (sql: string): string => (column.baseType === 'citext' ? `lower(${sql})` : sql);
    const fake = (attempt: number): string => `(${maskElementSql(`orig::${column.isArray ? column.sqlType.replace(/\[\]$/, '') : column.sqlType}`, column, root.rule, String(attempt === 0 ? 0 : UNIQUE_ATTEMPT_BASE + attempt))})::text`;
    await client.query(`CREATE UNLOGGED TABLE ${table} AS SELECT DISTINCT v AS orig, NULL::text AS fake FROM (${sources.join(' UNION ALL ')}) AS x WHERE v IS NOT NULL`);
    await client.query(`ALTER TABLE ${table} ADD PRIMARY KEY (orig)`);
    await client.query(`UPDATE ${table} SET fake = ${fake(0)}`);
    let resolved = false;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const result = await client.query(
        `UPDATE ${table} SET fake = ${fake(attempt)} WHERE orig IN (
           SELECT orig FROM (SELECT orig, row_number() OVER (PARTITION BY ${cmp('fake')} ORDER BY orig) AS rn FROM ${table}) AS d WHERE rn > 1
           UNION SELECT a.orig FROM ${table} a JOIN ${table} b ON ${cmp('a.fake')} = ${cmp('b.orig')} AND a.orig <> b.orig)`,
      );
      if ((result.rowCount ?? 0) === 0) {
        resolved = true;
        break;
      }
    }
    if (!resolved) {
      throw new MaskingFailedError(rootId, undefined, `could not find distinct ${root.rule.strategy} fakes after ${MAX_ATTEMPTS} attempts (is the column too short for its number of rows?)`);
    }
    await client.query(`ANALYZE ${table}`);
    maps.set(rootId, { table, rootId });
  }
  return maps;
}
