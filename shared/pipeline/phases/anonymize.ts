import { anonymizeDatabase } from '../../anonymize/anonymize';
import { CoverageError, MaskingFailedError } from '../../anonymize/errors';
import { EnvironmentError } from '../../errors';
import type { RunContext } from '../context';
import { outcome, type Figure, type PhaseOutcome } from '../outcome';

/** One call masks for at most this long, then returns pending (a Lambda has 15 minutes). */
export const ANONYMIZE_BUDGET_MS = 10 * 60_000;

/**
 * Masks the candidate in place with the config's rules and the run's masking key. Fails before anything
 * changes when a column has no rule (naming each); a table whose masking fails is rolled back and named.
 */
export async function runAnonymize(ctx: RunContext): Promise<PhaseOutcome> {
  const { candidate } = ctx.state;
  if (!candidate) throw new EnvironmentError('anonymize needs the restore phase to have run first (state.candidate is empty)');
  const connection = await ctx.providers.database.connection(candidate);
  try {
    const result = await anonymizeDatabase({
      connection,
      source: { rules: ctx.config.anonymize, prefix: ['anonymize'] },
      key: ctx.maskingKey,
      ...(ctx.state.anonymize ? { progress: ctx.state.anonymize } : {}),
      budgetMs: ANONYMIZE_BUDGET_MS,
      onProgress: (progress) => { ctx.state.anonymize = progress; },
      onTable: (table) => ctx.log.info(`anonymize: ${table.table} masked (${table.rows} rows, ${table.durationMs} ms)`),
    });
    ctx.state.anonymize = result.progress;
    const { tables } = result.progress;
    if (result.status === 'pending') {
      return outcome.pending(`masked ${result.progress.done.length} of ${result.plan.units.length} table groups`, 0);
    }
    const figures: Record<string, Figure> = {
      tables: tables.length,
      rows: tables.reduce((sum, table) => sum + table.rows, 0),
      truncatedTables: result.plan.truncated.length,
      fingerprints: result.progress.fingerprints,
    };
    for (const table of tables) {
      figures[`rows.${table.table}`] = table.rows;
      figures[`durationMs.${table.table}`] = table.durationMs;
      ctx.metrics.add('MaskedRows', table.rows, 'Count', { Phase: 'anonymize', Table: table.table });
      ctx.metrics.add('MaskDuration', table.durationMs, 'Milliseconds', { Phase: 'anonymize', Table: table.table });
    }
    return outcome.passed(`masked ${figures.rows} rows in ${tables.length} tables`, figures, { tables });
  } catch (error) {
    if (error instanceof CoverageError) {
      return outcome.failed(
        `${error.unclassified.length} column(s) without a rule, ${error.dangling.length} rule(s) without a column; nothing was changed: ${[...error.unclassified, ...error.dangling].join(', ')}`,
        { unclassified: error.unclassified.length, dangling: error.dangling.length },
        { unclassified: error.unclassified, dangling: error.dangling, problems: error.problems },
      );
    }
    if (error instanceof MaskingFailedError) {
      return outcome.failed(error.message, { failedTable: error.table }, { table: error.table, constraint: error.constraint ?? null });
    }
    throw error;
  }
}
