import type pg from 'pg';
import { quoteIdent } from '../db/client';
import { dedupePlacement, distinctShare } from './fingerprints';
import { setExpression } from './set-expression';
import type { ColumnPlan, TablePlan } from './plan';
import { MASK_SCHEMA } from './sql/core';
import { typeClassOf } from './strategies';

/**
 * Strategies whose fake is a function of the value alone (with the key), so one fake per distinct
 * value serves every row holding it. Free text is left out: its statistics come from a sample, and
 * believing unique messages repeat would cost a DISTINCT over all of them for nothing.
 */
const VALUE_MAPPED = new Set(['firstName', 'lastName', 'fullName', 'username', 'street', 'city', 'postcode', 'phone', 'email', 'hash']);

/**
 * The masked columns of a table whose fakes are worth computing once per distinct value: plain text
 * columns of a {@link VALUE_MAPPED} strategy that its statistics say repeat a lot (cities, streets,
 * postcodes, first names: `dedupePlacement` gives `before`), and not unique (a unique column holds no repeats).
 */
export async function valueMappedColumns(client: pg.Client, plan: TablePlan): Promise<ColumnPlan[]> {
  const mapped: ColumnPlan[] = [];
  for (const column of plan.masked) {
    if (!VALUE_MAPPED.has(column.rule.strategy) || column.unique || column.column.isArray || typeClassOf(column.column) !== 'text') continue;
    const share = await distinctShare(client, plan.table.schema, plan.table.name, column.column.name);
    if (dedupePlacement(share) === 'before') mapped.push(column);
  }
  return mapped;
}

/** The value maps of one statement: what to join, and each mapped column's masked value over alias `t`. */
export interface ValueMaps {
  /** `LEFT JOIN`s to append after `FROM <table> AS t`. */
  readonly joins: string;
  /** Per mapped column name, the SQL giving its masked value. */
  readonly expressions: ReadonlyMap<string, string>;
  readonly tables: readonly string[];
}

/**
 * Builds, for each of `columns`, a table of its distinct values and their fakes (the very expression
 * the row would get, computed once per value), in the caller's transaction. A plain unlogged table of
 * the mask schema, so parallel workers can read it; drop the tables before committing. Values are
 * matched byte for byte (`COLLATE "C"` on text), so a case-insensitive type never lends one value
 * another's fake; a value missing from its map gets its fake computed in its row.
 */
export async function buildValueMaps(client: pg.Client, plan: TablePlan, table: string, columns: readonly ColumnPlan[]): Promise<ValueMaps> {
  const taken = new Set(plan.table.columns.map((column) => column.name));
  // Names for the maps' columns no column of the table has, so the table's own references stay unambiguous.
  const fresh = (base: string): string => {
    let name = base;
    for (let n = 1; taken.has(name); n += 1) name = `${base}_${n}`;
    taken.add(name);
    return name;
  };
  const joins: string[] = [];
  const expressions = new Map<string, string>();
  const tables: string[] = [];
  for (const [i, column] of columns.entries()) {
    const name = quoteIdent(column.column.name);
    const map = `${MASK_SCHEMA}.${quoteIdent(`value_map_${i}`)}`;
    const [original, fake, alias] = [fresh(`rehearsal_original_${i}`), fresh(`rehearsal_fake_${i}`), quoteIdent(`rehearsal_map_${i}`)];
    const expression = setExpression(column, undefined, 'call');
    await client.query(`DROP TABLE IF EXISTS ${map}`);
    // DISTINCT by the column's own type, so the expression sees each value as a row would (its type
    // and collation); values a case-insensitive type counts as one keep only one representative here,
    // and the others are computed in their rows.
    await client.query(
      `CREATE UNLOGGED TABLE ${map} AS SELECT ${name}::text COLLATE "C" AS ${quoteIdent(original)}, ${expression} AS ${quoteIdent(fake)}
         FROM (SELECT DISTINCT ${name} FROM ${table} WHERE ${name} IS NOT NULL) AS d`,
    );
    // Statistics, or the planner guesses a thousand rows and, with the session's work_mem, may hash
    // the big table instead of the map (rows then come out in the map's order, which slows the refill).
    await client.query(`ANALYZE ${map}`);
    tables.push(map);
    joins.push(`LEFT JOIN ${map} AS ${alias} ON ${alias}.${quoteIdent(original)} = t.${name}::text COLLATE "C"`);
    expressions.set(column.column.name,
      `CASE WHEN t.${name} IS NULL THEN NULL WHEN ${alias}.${quoteIdent(original)} IS NULL THEN ${expression} ELSE ${alias}.${quoteIdent(fake)} END`);
  }
  return { joins: joins.join(' '), expressions, tables };
}
