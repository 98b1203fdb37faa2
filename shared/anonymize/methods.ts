import type pg from 'pg';
import { ConfigError } from '../errors';
import { DEFAULT_BATCH_ROWS, unitsToBatch } from './batches';
import type { TableFigure } from './mask-unit';
import type { MaskPlan } from './plan';
import { refuseUnheldTriggers } from './held-triggers';
import { refuseUnidentifiable } from './replica-identity';
import { findRewriteBlockers, tablesToRewrite } from './rewrite';
import { ruleProblem, type RulesSource } from './rule-problems';
import { tablesToStage } from './staged-rewrite';

/** How one table will be masked, and why when it is not rewritten. */
export interface TableMethod {
  /** As {@link TableFigure.mode}; `mapped` is only decided while masking (a unique collision). */
  readonly mode: Exclude<TableFigure['mode'], 'mapped'>;
  /** Why a table that could not be rewritten is updated (a view on a masked column, …). */
  readonly because?: string;
}

/** The masking method of every masked table: the sets the masking loop needs, and one entry per table. */
export interface MaskMethods {
  readonly rewrite: ReadonlySet<string>;
  readonly staged: ReadonlySet<string>;
  /** Unit ids masked in key-range batches. */
  readonly batched: ReadonlySet<string>;
  readonly batchRows: number;
  readonly byTable: ReadonlyMap<string, TableMethod>;
}

/**
 * Decides, before anything changes, how each masked table is masked under the rules' `mode` and
 * `batchRows` (see rewrite.ts, staged-rewrite.ts, batches.ts). Throws ConfigError at the rules' `mode`
 * line when `mode: rewrite` names tables PostgreSQL cannot rewrite, and when a table to be updated has
 * a trigger or rule this role cannot hold during the masking (see held-triggers.ts) or needs a replica
 * identity this role cannot give it (see replica-identity.ts).
 */
export async function chooseMethods(client: pg.Client, plan: MaskPlan, source: RulesSource, stageFromRows?: number): Promise<MaskMethods> {
  const { mode = 'auto', batchRows = DEFAULT_BATCH_ROWS } = source.rules;
  const blockers = await findRewriteBlockers(client, plan.tables);
  const { rewrite, refused } = tablesToRewrite(plan, mode, blockers);
  if (refused.length > 0) {
    throw new ConfigError(refused.map((reason) => ruleProblem(source, ['mode'], `mode: rewrite cannot mask ${reason}; use mode: auto (rewrites what it can, updates the rest) or update`)));
  }
  const staged = await tablesToStage(client, plan.tables, rewrite, stageFromRows);
  const batched = mode === 'rewrite' ? new Set<string>() : await unitsToBatch(client, plan, batchRows);
  const byTable = new Map<string, TableMethod>();
  for (const unit of plan.units) {
    for (const table of unit.tables) {
      if (table.masked.length === 0) continue;
      const name = table.table.qualified;
      if (batched.has(unit.id)) byTable.set(name, { mode: 'batched' });
      else if (staged.has(name)) byTable.set(name, { mode: 'staged' });
      else if (rewrite.has(name)) byTable.set(name, { mode: 'rewrite' });
      else {
        const because = blockers.get(name) ?? (mode === 'update' ? 'mode: update' : undefined);
        byTable.set(name, because === undefined ? { mode: 'update' } : { mode: 'update', because });
      }
    }
  }
  // An UPDATE fires the table's triggers and rules unless its owner holds them, and fails on a table
  // published for updates without a replica identity unless its owner gives it one: refused now, not mid-run.
  const updated = plan.tables.filter((table) => ['update', 'batched'].includes(byTable.get(table.table.qualified)?.mode ?? '')).map((table) => table.table);
  await refuseUnheldTriggers(client, updated);
  await refuseUnidentifiable(client, updated);
  return { rewrite, staged, batched, batchRows, byTable };
}
