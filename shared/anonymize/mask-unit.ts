import type pg from 'pg';
import { quoteIdent } from '../db/client';
import { ConnectionLostError, lostConnectionAt, MaskingFailedError, messageWithoutValue, type CommittedBatches } from './errors';
import { setExpression } from './set-expression';
import { anyMaskedValueSql, ownRowsSql, type MaskUnit, type TablePlan } from './plan';
import { commitStep } from './mask-schema';
import { recordUnitFigures } from './run-figures';
import { dropKnownValueHits, prepareKnownValueHits } from './known-value-hits';
import { withTriggersHeld } from './held-triggers';
import { withReplicaIdentity } from './replica-identity';
import { rewriteTable } from './rewrite';
import { stagedRewriteTable } from './staged-rewrite';
import { buildUniqueMaps, type UniqueMap } from './unique-maps';

/** What masking one table did. */
export interface TableFigure {
  readonly table: string;
  readonly rows: number;
  readonly durationMs: number;
  /**
   * `rewrite`: one ALTER TABLE rewrite (see rewrite.ts); `staged`: the same result with the fakes
   * computed by parallel workers (see staged-rewrite.ts); `update`: one set-based UPDATE; `mapped`: an
   * UPDATE from collision-free maps, needed to keep unique columns unique.
   */
  readonly mode: 'rewrite' | 'staged' | 'update' | 'mapped' | 'batched';
  /** Columns (of a staged table) whose fakes were computed once per distinct value and joined in. */
  readonly valueMapped?: readonly string[];
}

const UNIQUE_VIOLATION = '23505';

/**
 * The UPDATE that masks a table in one set-based statement; rows where every masked column is NULL are
 * skipped. `range`, when given, is an extra condition (a batch's key range).
 */
export function updateSql(plan: TablePlan, maps?: ReadonlyMap<string, UniqueMap>, range?: string): string {
  const sets = plan.masked.map((column) => `${quoteIdent(column.column.name)} = ${setExpression(column, maps)}`);
  return `UPDATE ${ownRowsSql(plan)} SET ${sets.join(', ')} WHERE (${anyMaskedValueSql(plan)})${range === undefined ? '' : ` AND ${range}`}`;
}

/**
 * Masks a table (or the rows of `range`) with {@link updateSql}, its triggers and rules held (see
 * held-triggers.ts) and a replica identity where a publication needs one (see replica-identity.ts),
 * inside the caller's transaction; returns the rows updated.
 */
export async function updateTable(client: pg.Client, plan: TablePlan, maps?: ReadonlyMap<string, UniqueMap>, range?: string): Promise<number> {
  const result = await withTriggersHeld(client, plan.table, () => withReplicaIdentity(client, plan.table, () => client.query(updateSql(plan, maps, range))));
  return result.rowCount ?? 0;
}

/**
 * Masks every table of a unit in one transaction: foreign keys on masked columns are dropped and
 * re-created (so PostgreSQL re-validates every join), each table rewritten (tables in `rewrite`) or
 * updated with one statement. When a fake collides in a unique column, the unit is rolled back and
 * redone with UPDATEs from collision-free maps, so unique columns stay unique whatever the data. Any
 * other failure rolls the unit back and throws {@link MaskingFailedError} naming the table and constraint.
 */
export async function maskUnit(client: pg.Client, unit: MaskUnit, rewrite: ReadonlySet<string> = new Set(), staged: ReadonlySet<string> = new Set()): Promise<TableFigure[]> {
  try {
    return await runUnit(client, unit, rewrite, staged);
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw failure(unit, error);
  }
  try {
    return await runUnit(client, unit, new Set(), new Set(), 'mapped');
  } catch (error) {
    throw failure(unit, error);
  }
}

async function runUnit(client: pg.Client, unit: MaskUnit, rewrite: ReadonlySet<string>, staged: ReadonlySet<string>, mapped?: 'mapped'): Promise<TableFigure[]> {
  await client.query('BEGIN');
  try {
    await prepareKnownValueHits(client, unit);
    const maps = mapped ? await buildUniqueMaps(client, unit) : undefined;
    for (const { table, key } of unit.foreignKeys) {
      await client.query(`ALTER TABLE ${sqlName(table)} DROP CONSTRAINT ${quoteIdent(key.name)}`);
    }
    const figures: TableFigure[] = [];
    for (const plan of unit.tables) {
      const started = Date.now();
      const mode = modeOf(plan.table.qualified, rewrite, staged, mapped);
      const { rows, valueMapped = [] } = mode === 'staged' ? await stagedRewriteTable(client, plan)
        : { rows: mode === 'rewrite' ? await rewriteTable(client, plan) : await updateTable(client, plan, maps) };
      figures.push({ table: plan.table.qualified, rows, durationMs: Date.now() - started, mode, ...(valueMapped.length > 0 ? { valueMapped } : {}) });
    }
    for (const { table, key } of unit.foreignKeys) {
      await client.query(`ALTER TABLE ${sqlName(table)} ADD CONSTRAINT ${quoteIdent(key.name)} ${key.definition}`);
    }
    if (maps) for (const map of maps.values()) await client.query(`DROP TABLE ${map.table}`);
    await dropKnownValueHits(client);
    await recordUnitFigures(client, unit.id, figures);
    await commitStep(client, unitStep(unit));
    await client.query('COMMIT');
    return figures;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function modeOf(table: string, rewrite: ReadonlySet<string>, staged: ReadonlySet<string>, mapped?: 'mapped'): TableFigure['mode'] {
  if (mapped) return mapped;
  if (!rewrite.has(table)) return 'update';
  return staged.has(table) ? 'staged' : 'rewrite';
}

/** The progress step a unit records when it commits. */
export const unitStep = (unit: MaskUnit): string => `unit:${unit.id}`;
/** The progress step a unit records once its tables are analysed after it committed (their statistics no longer quote originals). */
export const analyzedStep = (unit: MaskUnit): string => `analyzed:${unit.id}`;

function sqlName(qualified: string): string {
  const dot = qualified.indexOf('.');
  return `${quoteIdent(qualified.slice(0, dot))}.${quoteIdent(qualified.slice(dot + 1))}`;
}

/**
 * The error a failed unit reports: a {@link ConnectionLostError} when the connection was lost, a
 * {@link MaskingFailedError} naming table and constraint for other database errors; either with
 * `batches` (those committed before the failure) for a table masked in batches.
 */
export function failure(unit: MaskUnit, error: unknown, batches?: CommittedBatches): Error {
  if (error instanceof MaskingFailedError || error instanceof ConnectionLostError) return error;
  const tables = unit.tables.map((plan) => plan.table.qualified).join(', ');
  const lost = lostConnectionAt(error, { step: 'masking', table: tables, ...(batches ? { batches } : {}) });
  if (lost instanceof ConnectionLostError) return lost;
  const pgError = error as { table?: string; schema?: string; constraint?: string; message?: string; code?: string };
  if (pgError.code === undefined) return error as Error;
  const table = pgError.table ? `${pgError.schema ?? 'public'}.${pgError.table}` : tables;
  return new MaskingFailedError(table, pgError.constraint, `${messageWithoutValue(pgError.message ?? 'error')} (SQLSTATE ${pgError.code})`, { cause: error, ...(batches ? { batches } : {}) });
}

/**
 * Truncates the tables the rules say to truncate, all in one statement (foreign keys between them
 * allowed); an inheritance child keeps its rows (it has rules of its own, see {@link ownRowsSql}).
 */
export async function truncateTables(client: pg.Client, tables: readonly TablePlan[]): Promise<void> {
  if (tables.length === 0) return;
  await client.query(`TRUNCATE ${tables.map(ownRowsSql).join(', ')}`);
}
