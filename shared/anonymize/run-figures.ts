import type pg from 'pg';
import type { MaskPlan } from './plan';
import type { TableFigure } from './mask-unit';
import type { AnonymizeProgress } from './anonymize';
import { MASK_SCHEMA } from './sql/core';

/**
 * What each committed step of a masking run measured, kept in the copy beside its progress steps: the
 * preparation's (row `prepared`: fingerprints taken, milliseconds, ties cut) and each unit's tables
 * (row `unit:<id>`), each written in the transaction of the work it measures. A call that resumes the
 * run without its caller's state (a Lambda retried after it lost its connection: Step Functions gives
 * the retry the input of the failed call) reads them, so the run's report still counts every table
 * and fingerprint, not only those of the last call. No data: table names and counts.
 */
export const FIGURES_TABLE = `${MASK_SCHEMA}.figures`;

/** The figures of the preparation, as a run records them (see {@link recordPreparedFigures}). */
export interface PreparedFigures {
  readonly fingerprints: number;
  readonly prepareMs: number;
  readonly detached: readonly string[];
}

/** What a run recorded (see {@link recordedFigures}). */
export interface RecordedFigures {
  readonly prepared?: PreparedFigures;
  /** Each committed unit's tables, by unit id. */
  readonly units: ReadonlyMap<string, readonly TableFigure[]>;
}

const PREPARED = 'prepared';
const unitName = (unitId: string): string => `unit:${unitId}`;

/**
 * Writes one row of figures, in the caller's transaction. The table is made here when missing: a run
 * prepared by an earlier version of rehearsal, with the same helpers, has none.
 */
async function recordFigures(client: pg.Client, name: string, figures: unknown): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS ${FIGURES_TABLE} (name text PRIMARY KEY, figures jsonb NOT NULL)`);
  await client.query(`INSERT INTO ${FIGURES_TABLE} (name, figures) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET figures = excluded.figures`, [name, JSON.stringify(figures)]);
}

/** Records the preparation's figures; call inside the transaction that prepares. */
export const recordPreparedFigures = (client: pg.Client, figures: PreparedFigures): Promise<void> => recordFigures(client, PREPARED, figures);

/** Records a unit's tables' figures; call inside the transaction that commits the unit. */
export const recordUnitFigures = (client: pg.Client, unitId: string, tables: readonly TableFigure[]): Promise<void> => recordFigures(client, unitName(unitId), tables);

/** The figures this copy's run recorded; none when it recorded none (or the table is gone with a passing verify). */
export async function recordedFigures(client: pg.Client): Promise<RecordedFigures> {
  const { rows: [table] } = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [FIGURES_TABLE]);
  if (table?.present !== true) return { units: new Map() };
  const { rows } = await client.query<{ name: string; figures: unknown }>(`SELECT name, figures FROM ${FIGURES_TABLE}`);
  const units = new Map<string, readonly TableFigure[]>();
  let prepared: PreparedFigures | undefined;
  for (const row of rows) {
    if (row.name === PREPARED) prepared = row.figures as PreparedFigures;
    else if (row.name.startsWith('unit:')) units.set(row.name.slice('unit:'.length), row.figures as TableFigure[]);
  }
  return { ...(prepared ? { prepared } : {}), units };
}

/** The parts of a run's progress that figures fill in. */
type FiguredProgress = Pick<AnonymizeProgress, 'done' | 'tables' | 'fingerprints' | 'prepareMs' | 'detached'>;

/**
 * Fills `progress` (a resumed call's, which may have come without its caller's state) with what the run
 * recorded: the figures of every done unit whose tables it does not count yet (in the plan's order),
 * and the preparation's when it has none. Changes `progress` in place.
 */
export function fillRecordedFigures(progress: FiguredProgress, recorded: RecordedFigures, plan: MaskPlan): void {
  const counted = new Set(progress.tables.map((figure) => figure.table));
  for (const unit of plan.units) {
    if (!progress.done.includes(unit.id)) continue;
    for (const figure of recorded.units.get(unit.id) ?? []) {
      if (!counted.has(figure.table)) progress.tables.push(figure);
    }
  }
  const { prepared } = recorded;
  if (!prepared) return;
  if (progress.fingerprints === 0) progress.fingerprints = prepared.fingerprints;
  progress.prepareMs ??= prepared.prepareMs;
  const detached = new Set(progress.detached ?? []);
  const missing = prepared.detached.filter((link) => !detached.has(link));
  if (missing.length > 0) progress.detached = [...progress.detached ?? [], ...missing];
}
