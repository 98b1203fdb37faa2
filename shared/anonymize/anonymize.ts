import type pg from 'pg';
import { withClient } from '../db/client';
import { ConfigError } from '../errors';
import { lostConnectionAt, type RunStage } from './errors';
import { checkedPlan, typeCheck } from './checked-plan';
import { takeFingerprints } from './fingerprints';
import { accentedColumns } from './accented-columns';
import { otherPlanProblem, recordPlanDigest } from './plan-digest';
import { recordKnownValues, useKnownValues } from './known-values';
import { commitStep, committedSteps, installMaskSchema, keyMatches, otherHelpersProblem, recordKeyCheck, useMaskingKey, useMaskingMemory } from './mask-schema';
import { analyzedStep, maskUnit, truncateTables, unitStep, type TableFigure } from './mask-unit';
import { qualifiedSql, type MaskPlan, type MaskUnit } from './plan';
import { chooseMethods } from './methods';
import { maskInBatches } from './batches';
import type { RulesSource } from './rule-problems';
import { materializedViews, refreshMaterializedViews, refuseUnrefreshable, type MaterializedView } from './materialized-views';
import { analyzeInheritanceParents, clearSkippedStatistics, clearStatisticsOfEmptyTables } from './stale-statistics';
import { productionLinks, refuseUnremovableLinks, removeProductionLinks, type ProductionLink } from './production-links';
import { largeObjectsToUnlink, refuseUnremovableLargeObjects, unlinkUnreferencedLargeObjects, type LargeObjectsToUnlink } from './large-objects';
import { explainingEventTriggers } from './event-triggers';
import { refuseBrokenChecks } from './check-fit';
import { alreadyAnonymized, recordFinished, type AlreadyAnonymized } from './run-record';
import { fillRecordedFigures, recordedFigures, recordPreparedFigures } from './run-figures';

// Callers (the dry run, verify) import these checks from here too.
export { checkedPlan, typeCheck } from './checked-plan';

/** Where a masking run stands: plain JSON, carried in RunState between calls (a Lambda has 15 minutes). */
export interface AnonymizeProgress {
  /** Schema installed, fingerprints taken, truncations done. */
  prepared: boolean;
  /** Units (groups of tables) already masked and committed. */
  done: string[];
  tables: TableFigure[];
  fingerprints: number;
  /** How long preparing took (schema, type checks, fingerprints, known values, truncations), in milliseconds. */
  prepareMs?: number;
  /**
   * Ties to other systems removed from the copy while preparing (see production-links.ts):
   * `subscription feed`, `replication slot cdc`, `prepared transaction 'xa-17'`, …
   */
  detached?: string[];
  /** Large objects unlinked at the end because no column refers to them any more (see large-objects.ts). */
  largeObjectsUnlinked?: number;
}

/** Options of {@link anonymizeDatabase}. */
export interface AnonymizeOptions {
  readonly connection: pg.ClientConfig;
  readonly source: RulesSource;
  readonly key: Buffer;
  readonly schemas?: readonly string[];
  /**
   * Tables estimated at this many rows or more (and with enough fake work per row) are masked by a
   * staged rewrite over parallel workers (default: `STAGED_MIN_ROWS` in staged-rewrite.ts).
   */
  readonly stageFromRows?: number;
  /**
   * Rows per table whose fakes are tried against its check constraints before anything changes
   * (default `TRIED_ROWS` in check-fit.ts; 0: none, a broken constraint then stops the run on its table).
   */
  readonly triedRows?: number;
  /** The progress of an earlier call to resume from. */
  readonly progress?: AnonymizeProgress;
  /** Stop after the unit that passes this many milliseconds and return `pending` (default: never). */
  readonly budgetMs?: number;
  readonly onTable?: (figure: TableFigure) => void;
  /** Called after each table group commits, so a caller can keep the progress even if a later one throws. */
  readonly onProgress?: (progress: AnonymizeProgress) => void;
}

export interface AnonymizeResult {
  readonly status: 'done' | 'pending';
  readonly progress: AnonymizeProgress;
  readonly plan: MaskPlan;
  /**
   * Set when a run had already finished on this copy under the same rules and key (and perhaps passed
   * verify): this call changed nothing.
   */
  readonly already?: AlreadyAnonymized;
}

/**
 * Checks the rules against the database and fails before anything changes when any column is
 * unclassified, any rule dangles or does not fit, or something must be removed or held that this role
 * may not (row-level security, triggers, materialized views, ties to other systems, large objects);
 * otherwise cuts the copy's ties to other systems (see production-links.ts), takes the verify
 * fingerprints, truncates, and masks unit by unit: each atomic (rewritten, or updated then vacuumed),
 * except big tables, masked in key-range batches (see batches.ts). Last, analyses inheritance parents again, clears the
 * statistics of tables left empty and those ANALYZE skips (see stale-statistics.ts), refreshes every populated materialized
 * view (see materialized-views.ts) and unlinks the large objects no column refers to any more (see
 * large-objects.ts).
 * Resumable: call again while the status is `pending` (or after a failure); the database records
 * which units and batches committed, so nothing is masked twice. Once a run finished (see
 * run-record.ts), a call with the same rules and key changes nothing and says so (`already`); one with
 * others is refused. A lost connection, at any step, throws
 * `ConnectionLostError` (errors.ts) saying what had committed and what a new call does.
 */
export async function anonymizeDatabase(options: AnonymizeOptions): Promise<AnonymizeResult> {
  return withClient(options.connection, (client) => explainingEventTriggers(client, async () => {
    // Where the run stands, so a lost connection is reported with what committed (see ConnectionLostError).
    const at: { stage: RunStage } = { stage: { step: 'starting' } };
    try {
      return await anonymizeOn(client, options, at);
    } catch (error) {
      throw lostConnectionAt(error, at.stage);
    }
  }));
}

async function anonymizeOn(client: pg.Client, options: AnonymizeOptions, at: { stage: RunStage }): Promise<AnonymizeResult> {
  const started = Date.now();
  const plan = await checkedPlan(client, options.source, options.schemas);
  const steps = await committedSteps(client);
  // A finished run's copy is masked already: masking its fakes again would break their joins with every
  // copy masked under the same key. The same rules and key change nothing; others are refused.
  const already = steps && await alreadyAnonymized(client, steps, plan, options.key);
  if (already) {
    const done = plan.units.map((unit) => unit.id);
    const progress: AnonymizeProgress = { fingerprints: 0, ...options.progress, tables: [...options.progress?.tables ?? []], prepared: true, done };
    // What the run that finished measured (a retried call of it, in AWS, has lost them), until verify drops it.
    fillRecordedFigures(progress, await recordedFigures(client), plan);
    return { status: 'done', progress, plan, already };
  }
  const methods = await chooseMethods(client, plan, options.source, options.stageFromRows);
  const { views, links } = await checkedRemovals(client, plan);
  // A prepared transaction's rollback cannot run in a transaction block, and a slot's drop is not
  // undone with one: both go first, each on its own (a resumed run finds none left).
  const cut = await removeProductionLinks(client, links.filter((link) => !link.transactional));
  await useMaskingMemory(client);
  const progress: AnonymizeProgress = options.progress
    ? { ...options.progress, done: [...options.progress.done], tables: [...options.progress.tables] }
    : { prepared: false, done: [], tables: [], fingerprints: 0 };
  if (cut.length > 0) progress.detached = [...progress.detached ?? [], ...cut];
  const units = plan.units.length;
  if (steps?.has('prepared')) {
    const otherHelpers = await otherHelpersProblem(client);
    if (otherHelpers) throw new ConfigError(otherHelpers);
    const otherPlan = await otherPlanProblem(client, plan);
    if (otherPlan) throw new ConfigError(otherPlan);
    await useMaskingKey(client, options.key);
    if (!(await keyMatches(client))) {
      throw new ConfigError('this database holds a masking run started with another key; finish it with that key, or restore a fresh copy');
    }
    progress.prepared = true;
    progress.done = plan.units.filter((unit) => steps.has(unitStep(unit))).map((unit) => unit.id);
    // The figures of what earlier calls committed, which a call resumed without its caller's state lacks.
    fillRecordedFigures(progress, await recordedFigures(client), plan);
    at.stage = { step: 'between', done: progress.done.length, units };
    // A unit committed but not analysed (the connection was lost in between): its statistics still
    // quote production's values, and no later step would replace them.
    for (const unit of plan.units.filter((done) => steps.has(unitStep(done)) && !steps.has(analyzedStep(done)))) {
      at.stage = { step: 'analysing', table: tablesOf(unit) };
      for (const table of unit.tables) await client.query(`VACUUM ANALYZE ${qualifiedSql(table)}`);
      await commitStep(client, analyzedStep(unit));
    }
  } else {
    const preparing = Date.now();
    at.stage = { step: 'preparing' };
    const prepared = await prepare(client, plan, links.filter((link) => link.transactional), options, { started: preparing, cut });
    progress.fingerprints = prepared.fingerprints;
    progress.detached = [...progress.detached ?? [], ...prepared.detached];
    progress.prepared = true;
    progress.prepareMs = prepared.prepareMs;
  }
  at.stage = { step: 'between', done: progress.done.length, units };
  await useKnownValues(client);
  const { batched, batchRows } = methods;
  const overBudget = (): boolean => options.budgetMs !== undefined && Date.now() - started > options.budgetMs;
  for (const [ordinal, unit] of plan.units.entries()) {
    if (progress.done.includes(unit.id)) continue;
    let figures: TableFigure[];
    // Masking and, for a batched table, its analysis report a lost connection themselves (see failure() in mask-unit.ts).
    at.stage = { step: 'masking', table: tablesOf(unit) };
    if (batched.has(unit.id)) {
      const { done, figure } = await maskInBatches(client, unit, ordinal, batchRows, overBudget);
      if (!done) return { status: 'pending', progress, plan };
      figures = [figure];
    } else {
      figures = await maskUnit(client, unit, methods.rewrite, methods.staged);
      at.stage = { step: 'analysing', table: tablesOf(unit) };
      // A rewritten table is compact already: it only needs fresh statistics.
      for (const table of unit.tables) {
        const rewritten = figures.some((figure) => figure.table === table.table.qualified && (figure.mode === 'rewrite' || figure.mode === 'staged'));
        await client.query(`${rewritten ? 'ANALYZE' : 'VACUUM ANALYZE'} ${qualifiedSql(table)}`);
      }
      await commitStep(client, analyzedStep(unit));
    }
    progress.done.push(unit.id);
    at.stage = { step: 'between', done: progress.done.length, units };
    for (const figure of figures) {
      progress.tables.push(figure);
      options.onTable?.(figure);
    }
    options.onProgress?.(progress);
    if (overBudget() && progress.done.length < plan.units.length) {
      return { status: 'pending', progress, plan };
    }
  }
  // Statistics that still quote originals: a parent's over its children, masked after it, an empty
  // table's, which ANALYZE leaves as they were (production's values, for a truncated one), and those
  // ANALYZE skips on purpose (a column or extended statistics object with a target of 0).
  at.stage = {
    step: 'finishing', doing: 'analysing inheritance parents and clearing the statistics ANALYZE leaves (of empty tables, of targets of 0)',
    left: "some planner statistics may still quote production's values",
  };
  await analyzeInheritanceParents(client, plan);
  await clearStatisticsOfEmptyTables(client, plan);
  await clearSkippedStatistics(client, plan);
  // Production's rows live on in materialized views until they are refreshed from the masked tables
  // (a lost connection there names the view: see refreshMaterializedViews).
  await refreshMaterializedViews(client, views);
  // Files no kept column refers to any more (see large-objects.ts).
  at.stage = { step: 'finishing', doing: 'unlinking the large objects no column refers to', left: "some of production's files that nothing refers to may be left" };
  const unlinked = await unlinkUnreferencedLargeObjects(client);
  if (unlinked > 0) progress.largeObjectsUnlinked = unlinked;
  await recordFinished(client);
  return { status: 'done', progress, plan };
}

/** A unit's tables as messages name them: `public.users`, or `public.users, public.orders`. */
const tablesOf = (unit: MaskUnit): string => unit.tables.map((table) => table.table.qualified).join(', ');

/**
 * One transaction: the ties to other systems cut, the mask schema, the key check, a type check of every
 * rule, a try of the fakes against the tables' check constraints (check-fit.ts), the fingerprints and
 * known names, the truncations, and what it measured (see run-figures.ts: since `started`, with the
 * ties this call `cut` before). A failure leaves the database as it was.
 * Returns the fingerprint count, the ties cut and how long it took (as recorded).
 */
async function prepare(client: pg.Client, plan: MaskPlan, links: readonly ProductionLink[], options: AnonymizeOptions, call: { started: number; cut: readonly string[] }): Promise<{ fingerprints: number; detached: string[]; prepareMs: number }> {
  await client.query('BEGIN');
  try {
    const detached = await removeProductionLinks(client, links);
    await installMaskSchema(client, { ownTransaction: false });
    await useMaskingKey(client, options.key);
    await typeCheck(client, plan, options.source);
    if (options.triedRows !== 0) await refuseBrokenChecks(client, plan, options.triedRows);
    await recordKeyCheck(client);
    await recordPlanDigest(client, plan);
    const accented = await accentedColumns(client, plan);
    const fingerprints = await takeFingerprints(client, plan, accented);
    await recordKnownValues(client, plan, accented);
    await truncateTables(client, plan.tables.filter((table) => table.truncate));
    const prepareMs = Date.now() - call.started;
    await recordPreparedFigures(client, { fingerprints, prepareMs, detached: [...call.cut, ...detached] });
    await commitStep(client, 'prepared');
    await client.query('COMMIT');
    return { fingerprints, detached, prepareMs };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** What a run removes or rebuilds beside masking the tables' rows (see {@link checkedRemovals}). */
export interface Removals {
  /** Populated materialized views, refreshed from the masked tables at the end. */
  readonly views: readonly MaterializedView[];
  /** Ties to other systems, cut before masking. */
  readonly links: readonly ProductionLink[];
  /** Large objects no kept column will refer to, unlinked at the end, by owner. */
  readonly largeObjects: readonly LargeObjectsToUnlink[];
}

/**
 * Reads what a run of `plan` removes or rebuilds beside the rows, and throws {@link ConfigError} before
 * anything changes when this role may not do all of it. Anonymize and its dry run share it, so a dry
 * run refuses what the run would.
 */
export async function checkedRemovals(client: pg.Client, plan: MaskPlan): Promise<Removals> {
  const views = await materializedViews(client);
  refuseUnrefreshable(views);
  const links = await productionLinks(client);
  refuseUnremovableLinks(links);
  const largeObjects = await largeObjectsToUnlink(client, plan);
  refuseUnremovableLargeObjects(largeObjects);
  return { views, links, largeObjects };
}
