import { createHash } from 'node:crypto';
import type pg from 'pg';
import { commitStep, committedSteps } from './mask-schema';
import type { MaskPlan } from './plan';

const PLAN_STEP_PREFIX = 'plan ';

/**
 * A digest of what a plan masks: each table truncated or not, and each masked column with its rule.
 * Two rules files that mask the same way have the same digest, whatever their comments or order.
 */
export function planDigest(plan: MaskPlan): string {
  // Code-point order, not the locale's: a run prepared in a Lambda may be resumed or verified elsewhere.
  const byName = <T>(name: (item: T) => string) => (a: T, b: T): number => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0);
  const tables = plan.tables
    .map((table) => ({
      table: table.table.qualified,
      truncate: table.truncate,
      masked: table.masked.map((column) => ({ column: column.column.name, rule: column.rule })).sort(byName((entry) => entry.column)),
    }))
    .sort(byName((entry) => entry.table));
  return createHash('sha256').update(JSON.stringify(tables)).digest('hex').slice(0, 16);
}

/** Records, inside the prepare transaction, the digest of the plan the fingerprints were taken for. */
export async function recordPlanDigest(client: pg.Client, plan: MaskPlan): Promise<void> {
  await commitStep(client, `${PLAN_STEP_PREFIX}${planDigest(plan)}`);
}

/**
 * Undefined when the run in this database was prepared for the same plan; otherwise why it must not go
 * on: the fingerprints and the tables already masked follow the rules it started with, so resuming or
 * verifying under other rules would leave a column the new rules mask unmasked, and verify blind to it.
 */
export async function otherPlanProblem(client: pg.Client, plan: MaskPlan): Promise<string | undefined> {
  if (samePlan(await committedSteps(client) ?? new Set(), plan)) return undefined;
  return 'this database holds a masking run started with other rules (its fingerprints and masked tables follow those): '
    + 'finish it and verify with the rules it started with, or restore a fresh copy and run again with the new rules';
}

/** Whether the run whose steps these are was prepared for `plan` (the same digest, see {@link planDigest}). */
export function samePlan(steps: ReadonlySet<string>, plan: MaskPlan): boolean {
  return [...steps].find((step) => step.startsWith(PLAN_STEP_PREFIX))?.slice(PLAN_STEP_PREFIX.length) === planDigest(plan);
}
