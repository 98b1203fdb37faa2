import type pg from 'pg';
import { quoteIdent, withClient } from '../db/client';
import { checkedPlan, checkedRemovals , typeCheck } from './anonymize';
import { chooseMethods, type TableMethod } from './methods';
import { committedSteps, installMaskSchema, useMaskingKey } from './mask-schema';
import { alreadyAnonymized, type AlreadyAnonymized } from './run-record';
import { setExpression } from './set-expression';
import { qualifiedSql, type MaskPlan } from './plan';
import type { RulesSource } from './rules-source';
import { MASK_SCHEMA, textOf } from './sql/core';
import { explainingEventTriggers } from './event-triggers';
import { refuseBrokenChecks } from './check-fit';

/** A few rows of one table before and after masking; originals appear only as fingerprints. */
export interface TableSample {
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: readonly { readonly key: string; readonly before: readonly (string | null)[]; readonly after: readonly (string | null)[] }[];
}

export interface DryRun {
  readonly plan: MaskPlan;
  /** How each masked table would be masked (the choice a real run makes, from the same statistics). */
  readonly methods: ReadonlyMap<string, TableMethod>;
  readonly batchRows: number;
  readonly samples: readonly TableSample[];
  /** What the run would remove or rebuild beside the rows. */
  readonly besides: Besides;
  /** When the copy was anonymized already with these rules and key: a run would change nothing (no samples then). */
  readonly already?: AlreadyAnonymized;
}

/** What a run removes or rebuilds beside masking the rows, as a dry run reports it. */
export interface Besides {
  /** Ties to other systems it would cut: `subscription feed`, `replication slot cdc`, … */
  readonly cut: readonly string[];
  /** Large objects it would unlink: no kept column would refer to them. */
  readonly largeObjectsUnlinked: number;
  /** Materialized views it would refresh from the masked tables. */
  readonly refreshed: readonly string[];
}

/**
 * Builds the plan, refuses what a run would refuse (fakes that break a check constraint included, a
 * copy anonymized already under other rules or key), says so of a copy a run would leave as it is
 * (anonymized already with these rules and key), says what it would remove beside the rows, and
 * masks a few rows per table inside a transaction that is rolled back: the database is left exactly as
 * it was. Original values are shown as `fp:` + 8 hex of their keyed fingerprint,
 * never in clear (they are production's personal data).
 */
export async function dryRun(connection: pg.ClientConfig, source: RulesSource, key: Buffer, options: { schemas?: readonly string[]; sampleRows?: number } = {}): Promise<DryRun> {
  const sampleRows = options.sampleRows ?? 3;
  return withClient(connection, (client) => explainingEventTriggers(client, async () => {
    const plan = await checkedPlan(client, source, options.schemas);
    const steps = await committedSteps(client);
    const already = steps && await alreadyAnonymized(client, steps, plan, key);
    // A run would change nothing: no methods to choose, nothing to remove, no rows to sample.
    if (already) return { plan, methods: new Map(), batchRows: 0, samples: [], besides: { cut: [], largeObjectsUnlinked: 0, refreshed: [] }, already };
    const { byTable: methods, batchRows } = await chooseMethods(client, plan, source);
    const removals = await checkedRemovals(client, plan);
    const besides: Besides = {
      cut: removals.links.map((link) => link.description),
      largeObjectsUnlinked: removals.largeObjects.reduce((sum, group) => sum + group.count, 0),
      refreshed: removals.views.map((view) => view.name),
    };
    const samples: TableSample[] = [];
    await client.query('BEGIN');
    try {
      await installMaskSchema(client, { ownTransaction: false });
      await useMaskingKey(client, key);
      // As a run does: a fixed value its column's type refuses is named at its rule's line, not as a broken check.
      await typeCheck(client, plan, source);
      await refuseBrokenChecks(client, plan);
      for (const table of plan.tables) {
        if (table.masked.length === 0) continue;
        const keyColumns = table.table.primaryKey.length > 0 ? table.table.primaryKey : ['ctid'];
        const keySql = keyColumns.map((column) => `${column === 'ctid' ? 'ctid' : quoteIdent(column)}::text`).join(` || ',' || `);
        const before = table.masked.map((column, i) => `'fp:' || left(encode(${MASK_SCHEMA}.fingerprint(${textOf(quoteIdent(column.column.name))}), 'hex'), 8) AS b${i}`);
        const after = table.masked.map((column, i) => `(${setExpression(column)})::text AS a${i}`);
        const { rows } = await client.query<Record<string, string | null>>(
          `SELECT ${keySql} AS k, ${[...before, ...after].join(', ')} FROM ${qualifiedSql(table)} LIMIT ${sampleRows}`,
        );
        samples.push({
          table: table.table.qualified,
          columns: table.masked.map((column) => column.column.name),
          rows: rows.map((row) => ({
            key: row.k ?? '',
            before: table.masked.map((_, i) => row[`b${i}`] ?? null),
            after: table.masked.map((_, i) => row[`a${i}`] ?? null),
          })),
        });
      }
    } finally {
      await client.query('ROLLBACK');
    }
    return { plan, methods, batchRows, samples, besides };
  }));
}

const METHOD_TEXT: Readonly<Record<TableMethod['mode'], string>> = {
  rewrite: 'rewrite (one ALTER TABLE pass)',
  staged: 'staged rewrite (fakes computed by parallel workers, table refilled)',
  update: 'UPDATE, then VACUUM ANALYZE',
  batched: 'UPDATE in key-range batches',
};

function describeMethod(method: TableMethod | undefined, batchRows: number): string {
  if (!method) return 'UPDATE';
  const text = method.mode === 'batched' ? `${METHOD_TEXT.batched} of ${batchRows.toLocaleString('en-US')} rows` : METHOD_TEXT[method.mode];
  return method.because === undefined ? text : `${text} (${method.because})`;
}

/** The plan and samples as text for a person. */
export function formatDryRun({ plan, methods, batchRows, samples, besides, already }: DryRun): string {
  const lines = ['Plan (dry run: nothing was changed)'];
  if (already) {
    const verified = already.verifiedAt === undefined ? '' : `, and verified at ${already.verifiedAt}`;
    return `${lines[0]}\n  this copy was anonymized with these rules and key at ${already.finishedAt}${verified}: a run would change nothing\n`;
  }
  for (const name of plan.truncated) lines.push(`  ${name}: truncate`);
  for (const table of plan.tables) {
    if (table.truncate) continue;
    if (table.masked.length === 0) {
      lines.push(`  ${table.table.qualified}: keep every column`);
      continue;
    }
    const columns = table.masked.map((column) => `${column.column.name}=${column.rule.strategy}${column.follows ? ` (follows ${column.follows})` : ''}${column.unique ? ' [unique]' : ''}`);
    lines.push(`  ${table.table.qualified}: ${describeMethod(methods.get(table.table.qualified), batchRows)}: ${columns.join(', ')}`);
  }
  for (const unit of plan.units) {
    if (unit.foreignKeys.length > 0) lines.push(`  one transaction for ${unit.tables.map((table) => table.table.qualified).join(', ')} (foreign keys ${unit.foreignKeys.map((entry) => entry.key.name).join(', ')} re-validated)`);
  }
  const beside = [
    besides.cut.length > 0 ? `  cut ties the copy kept from production: ${besides.cut.join('; ')}` : undefined,
    besides.largeObjectsUnlinked > 0 ? `  unlink ${besides.largeObjectsUnlinked} large object(s) no kept column would refer to` : undefined,
    besides.refreshed.length > 0 ? `  refresh materialized views from the masked tables: ${besides.refreshed.join(', ')}` : undefined,
  ].filter((line) => line !== undefined);
  if (beside.length > 0) lines.push('', 'Besides the rows', ...beside);
  lines.push('', 'Samples (before: keyed fingerprint of the original; after: the fake)');
  for (const sample of samples) {
    lines.push(`  ${sample.table}`);
    for (const row of sample.rows) {
      sample.columns.forEach((column, i) => lines.push(`    ${row.key} ${column}: ${row.before[i] ?? 'NULL'} -> ${row.after[i] ?? 'NULL'}`));
    }
  }
  return `${lines.join('\n')}\n`;
}
