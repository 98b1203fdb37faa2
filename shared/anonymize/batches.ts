import type pg from 'pg';
import { quoteIdent } from '../db/client';
import { analyzedStep, failure, unitStep, updateTable, type TableFigure } from './mask-unit';
import { BATCHES_TABLE, commitStep, committedSteps } from './mask-schema';
import { recordUnitFigures } from './run-figures';
import { lostConnectionAt, type CommittedBatches } from './errors';
import { dropKnownValueHits, prepareKnownValueHits } from './known-value-hits';
import { qualifiedSql, type MaskPlan, type MaskUnit } from './plan';
import { buildUniqueMaps, existingUniqueMaps, needsUniqueMaps } from './unique-maps';

/** Tables PostgreSQL estimates above this many rows are masked in key-range batches of this size. */
export const DEFAULT_BATCH_ROWS = 2_000_000;

/**
 * The column a unit can be batched by: one table, no masked foreign key (its keys would stay dropped
 * between transactions), a one-column primary key that is not itself masked. Undefined otherwise.
 */
export function batchKeyOf(unit: MaskUnit): string | undefined {
  const [plan, ...others] = unit.tables;
  if (!plan || others.length > 0 || unit.foreignKeys.length > 0 || plan.table.primaryKey.length !== 1) return undefined;
  const key = plan.table.primaryKey[0];
  return key === undefined || plan.masked.some((column) => column.column.name === key) ? undefined : key;
}

/** The ids of the units to mask in batches: batchable, and estimated (`pg_class.reltuples`) above `batchRows` rows. */
export async function unitsToBatch(client: pg.Client, plan: MaskPlan, batchRows: number): Promise<Set<string>> {
  const units = new Set<string>();
  for (const unit of plan.units) {
    const table = unit.tables[0];
    if (!table || batchKeyOf(unit) === undefined) continue;
    const { rows } = await client.query<{ estimate: number }>(`SELECT greatest(reltuples, 0)::float8 AS estimate FROM pg_class WHERE oid = $1::regclass`, [qualifiedSql(table)]);
    if ((rows[0]?.estimate ?? 0) > batchRows) units.add(unit.id);
  }
  return units;
}

/** What one call of {@link maskInBatches} got to. */
export interface BatchedTable {
  /** Every batch committed: the table is fully masked (and vacuumed). */
  readonly done: boolean;
  /** Rows and time over every batch so far, this call's and earlier calls'. */
  readonly figure: TableFigure;
}

/**
 * Masks a unit's one table by UPDATE in key-range batches of `batchRows` rows in primary-key order. Each
 * batch is its own transaction that also records its upper key, so a call stopped by `shouldStop` (checked
 * after each batch) or by a failure resumes after the last committed batch, and no row is masked twice.
 * A failure throws {@link MaskingFailedError} (or, the connection lost, {@link ConnectionLostError})
 * saying how many batches and rows committed (they stay masked) and where a new call resumes. Unique masked columns use collision-free maps built once before
 * the first batch (fakes that differ from every original too, so a batch never meets a row of a later
 * one). When the last batch commits the maps are dropped, the unit recorded as done, and the table vacuumed.
 */
export async function maskInBatches(client: pg.Client, unit: MaskUnit, ordinal: number, batchRows: number, shouldStop: () => boolean): Promise<BatchedTable> {
  const plan = unit.tables[0];
  const key = batchKeyOf(unit);
  if (!plan || key === undefined) throw new Error(`unit ${unit.id} cannot be masked in batches`);
  const keyType = plan.table.columns.find((column) => column.name === key)?.sqlType ?? 'text';
  const keyRef = quoteIdent(key);
  const prefix = `batch_map_${ordinal + 1}`;
  const mapsStep = `${unitStep(unit)}:maps`;
  let committed: CommittedBatches = { key, batches: 0, rows: 0, through: undefined };
  try {
    committed = await committedBatches(client, unit, key, keyType);
    let maps = needsUniqueMaps(unit) ? existingUniqueMaps(unit, prefix) : undefined;
    if (maps && !(await committedSteps(client))?.has(mapsStep)) {
      await inTransaction(client, async () => {
        maps = await buildUniqueMaps(client, unit, prefix);
        await commitStep(client, mapsStep);
      });
    }
    for (;;) {
      const lo = committed.through ?? null;
      const after = (ref: string): string => (lo === null ? 'true' : `${ref} > ${literalOf(lo, keyType)}`);
      const from = after(keyRef);
      const { rows: [next] } = await client.query<{ hi: string | null }>(
        `SELECT max(k)::text AS hi FROM (SELECT ${keyRef} AS k FROM ${qualifiedSql(plan)} WHERE ${from} ORDER BY ${keyRef} LIMIT $1) AS s`, [batchRows]);
      if (next?.hi == null) break;
      const hi = next.hi;
      const range = (ref: string): string => `${after(ref)} AND ${ref} <= ${literalOf(hi, keyType)}`;
      let rows = 0;
      await inTransaction(client, async () => {
        const started = Date.now();
        await prepareKnownValueHits(client, unit, range(`t.${keyRef}`));
        rows = await updateTable(client, plan, maps, range(keyRef));
        await dropKnownValueHits(client);
        await client.query(`INSERT INTO ${BATCHES_TABLE} (unit, hi, rows, ms) VALUES ($1, $2, $3, $4)`, [unit.id, hi, rows, Date.now() - started]);
      });
      committed = { key, batches: committed.batches + 1, rows: committed.rows + rows, through: hi };
      if (shouldStop()) return { done: false, figure: await figureOf(client, unit) };
    }
    await inTransaction(client, async () => {
      for (const map of maps?.values() ?? []) await client.query(`DROP TABLE IF EXISTS ${map.table}`);
      await recordUnitFigures(client, unit.id, [await figureOf(client, unit)]);
      await commitStep(client, unitStep(unit));
    });
  } catch (error) {
    throw failure(unit, error, committed);
  }
  try {
    await client.query(`VACUUM ANALYZE ${qualifiedSql(plan)}`);
    await commitStep(client, analyzedStep(unit));
    return { done: true, figure: await figureOf(client, unit) };
  } catch (error) {
    throw lostConnectionAt(error, { step: 'analysing', table: plan.table.qualified });
  }
}

/** The batches of `unit` committed so far (by earlier calls too), read from the batches table. */
async function committedBatches(client: pg.Client, unit: MaskUnit, key: string, keyType: string): Promise<CommittedBatches> {
  const { rows: [row] } = await client.query<{ batches: number; rows: string; through: string | null }>(
    `SELECT count(*)::int AS batches, coalesce(sum(rows), 0)::text AS rows,
            (SELECT hi FROM ${BATCHES_TABLE} WHERE unit = $1 ORDER BY hi::${keyType} DESC LIMIT 1) AS through
       FROM ${BATCHES_TABLE} WHERE unit = $1`, [unit.id]);
  return { key, batches: row?.batches ?? 0, rows: Number(row?.rows ?? 0), through: row?.through ?? undefined };
}

/** A key as an SQL literal of its type (keys come from the table itself, read back as text). */
function literalOf(value: string, type: string): string {
  return `'${value.replaceAll("'", "''")}'::${type}`;
}

async function figureOf(client: pg.Client, unit: MaskUnit): Promise<TableFigure> {
  const { rows } = await client.query<{ rows: string; ms: string }>(`SELECT coalesce(sum(rows), 0) AS rows, coalesce(sum(ms), 0) AS ms FROM ${BATCHES_TABLE} WHERE unit = $1`, [unit.id]);
  return { table: unit.tables[0]?.table.qualified ?? unit.id, rows: Number(rows[0]?.rows ?? 0), durationMs: Number(rows[0]?.ms ?? 0), mode: 'batched' };
}

async function inTransaction(client: pg.Client, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
