import { anonymizeDatabase } from '../../anonymize/anonymize';
import { stageRoleCredentials, type StagedRole } from '../../anonymize/role-credentials';
import { withClient } from '../../db/client';
import type { ClientConfig } from 'pg';
import { CoverageError, MaskingFailedError, suggestedRulesText } from '../../anonymize/errors';
import { EnvironmentError, formatProblem } from '../../errors';
import type { RunContext } from '../context';
import { outcome, type Figure, type PhaseOutcome } from '../outcome';
import { rulesOfConfig } from '../../anonymize/rule-problems';
import { removeOtherDatabases, UnmaskedDatabasesError } from '../../anonymize/other-databases';

/** One call masks for at most this long, then returns pending (a Lambda has 15 minutes). */
export const ANONYMIZE_BUDGET_MS = 10 * 60_000;

/**
 * Masks the candidate in place with the config's rules and the run's masking key. Fails before anything
 * changes when a column has no rule (naming each); a table whose masking fails is named, with what it
 * kept (rolled back whole, or, masked in batches, its committed batches).
 * A candidate that is a whole restored server first loses its other databases (see other-databases.ts).
 */
export async function runAnonymize(ctx: RunContext): Promise<PhaseOutcome> {
  const { candidate } = ctx.state;
  if (!candidate) throw new EnvironmentError('anonymize needs the restore phase to have run first (state.candidate is empty)');
  const connection = await ctx.providers.database.connection(candidate);
  try {
    if (ctx.providers.database.restoresWholeServer) {
      // Before any masking: production's other databases came with the restore, and staging must not serve them.
      const postgresTables = ctx.config.anonymize?.postgresTables;
      const removed = await removeOtherDatabases(connection, postgresTables === undefined ? {} : { postgresTables });
      if (removed.databases.length > 0) ctx.log.info(`anonymize: dropped ${removed.databases.length} other database(s) the restore copied from production's server: ${removed.databases.join(', ')}`);
      if (removed.postgresTables.length > 0) ctx.log.info(`anonymize: dropped ${removed.postgresTables.length} table(s) of database postgres (postgresTables: drop): ${removed.postgresTables.join(', ')}`);
    }
    const result = await anonymizeDatabase({
      connection,
      source: rulesOfConfig(ctx.config),
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
    const { detached = [] } = result.progress;
    if (detached.length > 0) {
      figures.detachedLinks = detached.length;
      ctx.log.info(`anonymize: cut ${detached.length} tie(s) to other systems the copy kept from production: ${detached.join('; ')}`);
    }
    const { largeObjectsUnlinked } = result.progress;
    if (largeObjectsUnlinked !== undefined) {
      figures.largeObjectsUnlinked = largeObjectsUnlinked;
      ctx.log.info(`anonymize: unlinked ${largeObjectsUnlinked} large object(s) no kept column refers to (files from production)`);
    }
    const staged = await stageApplicationRoles(ctx, candidate.id, connection);
    if (staged.length > 0) figures.rolesWithNewPasswords = staged.length;
    for (const table of tables) {
      figures[`rows.${table.table}`] = table.rows;
      figures[`durationMs.${table.table}`] = table.durationMs;
      ctx.metrics.add('MaskedRows', table.rows, 'Count', { Phase: 'anonymize', Table: table.table });
      ctx.metrics.add('MaskDuration', table.durationMs, 'Milliseconds', { Phase: 'anonymize', Table: table.table });
    }
    // The candidate is this run's own restore: masked already, it was by an earlier attempt of this run
    // (one that lost its connection while setting the roles' passwords, say), and only those were set now.
    const { already } = result;
    const roles = staged.length > 0 ? `; set the new passwords of ${staged.length} role(s)` : '';
    const summary = already
      ? `masked by an earlier attempt of this run (finished at ${already.finishedAt}${already.verifiedAt ? `, verified at ${already.verifiedAt}` : ''}); this attempt masked no row again${roles}`
      : `masked ${figures.rows} rows in ${tables.length} tables${roles}`;
    return outcome.passed(summary, figures, { tables });
  } catch (error) {
    if (error instanceof CoverageError) {
      return outcome.failed(
        // Each problem as `file:line: path: message` (the rule's line, or its table's for a column without a rule), as the CLI prints it.
        // With the rules suggest would write for the columns, so on-call can review them and add them.
        `${error.unclassified.length} column(s) without a rule, ${error.dangling.length} rule(s) without a column; nothing was changed:\n${error.problems.map(formatProblem).join('\n')}`
          + (error.suggested ? `\n${suggestedRulesText(error.suggested)}` : ''),
        { unclassified: error.unclassified.length, dangling: error.dangling.length },
        { unclassified: error.unclassified, dangling: error.dangling, problems: error.problems, ...(error.suggested ? { suggestedRules: error.suggested.lines } : {}) },
      );
    }
    if (error instanceof UnmaskedDatabasesError) {
      return outcome.failed(error.message, { unmaskedDatabases: error.databases.length }, { databases: error.databases });
    }
    if (error instanceof MaskingFailedError) {
      // What the copy holds, not how to resume it: a run that fails before promote discards its candidate.
      const { batches } = error;
      return outcome.failed(
        `${error.happened}; the run stops before promote`,
        { failedTable: error.table, ...(batches ? { batchesCommitted: batches.batches, rowsCommitted: batches.rows } : {}) },
        { table: error.table, constraint: error.constraint ?? null, ...(batches ? { batches } : {}) },
      );
    }
    throw error;
  }
}

/**
 * The credentials step, once masking is done: each role in `databases.staging.roles` gets a new password
 * on the candidate, staged in its secret (only ARNs and version ids go into state). No roles, no calls.
 * A lost connection throws `CredentialsConnectionLostError`, which the pipeline retries: the new call
 * masks nothing again (the run finished) and sets each password again to the one its secret holds.
 */
async function stageApplicationRoles(ctx: RunContext, candidateId: string, connection: ClientConfig): Promise<StagedRole[]> {
  const { staging } = ctx.config.databases;
  const roles = staging.provider === 'local' ? [] : staging.roles;
  if (roles.length === 0) return [];
  const store = ctx.providers.database.roleSecrets;
  if (!store) throw new EnvironmentError(`databases.staging.roles lists ${roles.length} role(s) but the ${ctx.providers.database.kind} provider has no secret store for their passwords`);
  const staged = await withClient(connection, (client) => stageRoleCredentials({
    client, roles, store, runId: ctx.runId, candidateId, path: 'databases.staging.roles',
  }));
  ctx.state.stagedRoles = staged;
  ctx.log.info(`anonymize: ${staged.length} application role(s) have new passwords, staged in their secrets (${staged.map((role) => role.secretArn).join(', ')})`);
  return staged;
}
