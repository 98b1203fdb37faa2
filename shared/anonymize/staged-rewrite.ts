import type pg from 'pg';
import { quoteIdent } from '../db/client';
import { MASK_SCHEMA } from './sql/core';
import { useParallelScans } from './mask-schema';
import { setExpression } from './set-expression';
import { qualifiedSql, type TablePlan } from './plan';
import { countMaskedRows } from './rewrite';
import { buildValueMaps, valueMappedColumns } from './value-maps';
import { indexesToRebuild } from './refill-indexes';

/**
 * Staged rewrite, for big tables: the same result as rewrite mode's `ALTER TABLE … USING` (see
 * rewrite.ts), with the fakes computed by parallel workers. An ALTER TABLE rewrite computes every fake
 * on one core, and the fakes are most of a masking run's time; a `CREATE TABLE … AS SELECT` can spread
 * them over every worker the server allows. So, in the unit's transaction:
 * 1. the table is locked, and its rows with their fakes are written to an unlogged staging table;
 * 2. the foreign keys to and from it are dropped, it is emptied (`TRUNCATE`: same OID, so views,
 *    grants, comments, sequences, indexes and checks stay) and refilled from the staging table; the
 *    indexes a drop and a build restore whole (refill-indexes.ts) are built after the rows are in,
 *    once and sorted, instead of row by row (a unique one that the fakes break fails there);
 * 3. the foreign keys are re-created, which re-validates every one with one join, not a check per row.
 * The refill fires no trigger, rule or row-level policy because a table with one is never staged (it is
 * rewritten by ALTER TABLE). A unique or check constraint the fakes break fails the refill (a unique one rebuilt after it, its build), and the transaction rolls back
 * as a rewrite's would. Disk: the staging copy and the refilled table exist together until commit.
 */

/** Tables estimated below this many rows are rewritten by ALTER TABLE: starting workers would not pay. */
export const STAGED_MIN_ROWS = 100_000;

/**
 * How much a fake of each kind costs per value, roughly, in units of a dictionary fake (about 4 µs):
 * free text and JSON are scanned by several patterns, phones and postcodes are rebuilt digit by digit.
 */
const FAKE_WEIGHT: Readonly<Partial<Record<string, number>>> = { scrubText: 4, json: 4, phone: 2, postcode: 2, keep: 0 };

/**
 * Below this much fake work per row (in {@link FAKE_WEIGHT} units) a table is rewritten by ALTER TABLE:
 * writing the staging copy, refilling, building the indexes again and re-checking the foreign keys
 * cost about as much as a few fakes per row, so on tables of a few hundred thousand rows staging pays
 * only where the fakes dominate. Measured on 2 cores, with the indexes built after the refill: one email
 * column of 200k rows took 1.2 s staged against 1.1-1.4 s rewritten; of 1M rows, 4.9-5.7 s against 6.1-7.6 s.
 */
export const STAGED_MIN_WEIGHT = 4;

/** From this many rows (estimated) a table is staged whatever its fake work per row, if it has any. */
export const STAGED_ANY_WEIGHT_ROWS = 500_000;

/** A table's fake work per row, in {@link FAKE_WEIGHT} units. */
export function fakeWeight(plan: TablePlan): number {
  return plan.masked.reduce((sum, column) => sum + (FAKE_WEIGHT[column.rule.strategy] ?? 1), 0);
}

/**
 * Of the tables to rewrite, those to stage: with enough fake work per row ({@link STAGED_MIN_WEIGHT}) or
 * rows ({@link STAGED_ANY_WEIGHT_ROWS}), estimated (`pg_class.reltuples`) at `minRows` rows or more, without user triggers, rules or row-level
 * security, whose foreign keys join only tables this role owns, on a server
 * that gives this session parallel workers.
 */
export async function tablesToStage(client: pg.Client, tables: readonly TablePlan[], rewrite: ReadonlySet<string>, minRows = STAGED_MIN_ROWS): Promise<Set<string>> {
  const staged = new Set<string>();
  const { rows: settings } = await client.query<{ workers: number }>("SELECT current_setting('max_parallel_workers_per_gather')::int AS workers");
  if ((settings[0]?.workers ?? 0) === 0) return staged;
  for (const plan of tables) {
    const weight = fakeWeight(plan);
    if (!rewrite.has(plan.table.qualified) || weight === 0) continue;
    const { rows } = await client.query<{ estimate: number; blocked: boolean }>(
      // Its foreign keys are dropped and re-created around the refill: every table at their other end must be this role's too.
      `SELECT greatest(c.reltuples, 0)::float8 AS estimate,
              c.relrowsecurity
              OR EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal)
              OR EXISTS (SELECT 1 FROM pg_rewrite r WHERE r.ev_class = c.oid)
              OR EXISTS (SELECT 1 FROM pg_constraint k JOIN pg_class o ON o.oid IN (k.conrelid, k.confrelid)
                          WHERE k.contype = 'f' AND c.oid IN (k.conrelid, k.confrelid) AND NOT pg_has_role(current_user, o.relowner, 'USAGE')) AS blocked
         FROM pg_class c WHERE c.oid = $1::regclass`,
      [qualifiedSql(plan)],
    );
    const row = rows[0];
    if (!row || row.blocked || row.estimate < minRows) continue;
    if (weight >= STAGED_MIN_WEIGHT || row.estimate >= STAGED_ANY_WEIGHT_ROWS) staged.add(plan.table.qualified);
  }
  return staged;
}

/** What a staged rewrite did: the rows holding a value in any masked column, and the columns masked through value maps. */
export interface StagedResult {
  readonly rows: number;
  readonly valueMapped: readonly string[];
}

/**
 * Masks one table by a staged rewrite (see above); `rows` are those holding a value in any masked
 * column, counted before. Columns that repeat a lot (cities, streets, postcodes) get their fakes
 * computed once per distinct value (value-maps.ts) and joined in. Runs inside the caller's transaction.
 */
export async function stagedRewriteTable(client: pg.Client, plan: TablePlan): Promise<StagedResult> {
  const table = qualifiedSql(plan);
  const staging = `${MASK_SCHEMA}.${quoteIdent(`staged_${plan.table.schema}_${plan.table.name}`)}`;
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  const rows = await countMaskedRows(client, plan);
  await useParallelScans(client);
  const mappedColumns = await valueMappedColumns(client, plan);
  const maps = await buildValueMaps(client, plan, table, mappedColumns);
  // Generated columns are recomputed by the refill (a table with one is never rewritten anyway).
  const columns = plan.table.columns.filter((column) => !column.generated);
  const masked = new Map(plan.masked.map((column) => [column.column.name, column]));
  const select = columns.map(({ name }) => {
    const column = masked.get(name);
    const value = maps.expressions.get(name) ?? (column ? setExpression(column, undefined, 'call') : `t.${quoteIdent(name)}`);
    return `${value} AS ${quoteIdent(name)}`;
  });
  const list = columns.map(({ name }) => quoteIdent(name)).join(', ');
  await client.query(`CREATE UNLOGGED TABLE ${staging} AS SELECT ${select.join(', ')} FROM ${table} AS t ${maps.joins}`);
  for (const map of maps.tables) await client.query(`DROP TABLE ${map}`);
  const { rows: keys } = await client.query<{ owner: string; name: string; definition: string }>(
    `SELECT conrelid::regclass::text AS owner, conname AS name, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE contype = 'f' AND conparentid = 0 AND (conrelid = $1::regclass OR confrelid = $1::regclass) ORDER BY conrelid, conname`,
    [table],
  );
  for (const key of keys) await client.query(`ALTER TABLE ${key.owner} DROP CONSTRAINT ${quoteIdent(key.name)}`);
  const indexes = await indexesToRebuild(client, table);
  for (const index of indexes) await client.query(index.drop);
  await client.query(`TRUNCATE ONLY ${table}`);
  await client.query(`INSERT INTO ${table} (${list}) OVERRIDING SYSTEM VALUE SELECT ${list} FROM ${staging}`);
  for (const index of indexes) await client.query(index.create);
  for (const key of keys) await client.query(`ALTER TABLE ${key.owner} ADD CONSTRAINT ${quoteIdent(key.name)} ${key.definition}`);
  await client.query(`DROP TABLE ${staging}`);
  return { rows, valueMapped: mappedColumns.map((column) => column.column.name) };
}
