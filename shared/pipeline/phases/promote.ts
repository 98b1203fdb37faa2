import { EnvironmentError } from '../../errors';
import type { RunContext } from '../context';
import type { SettleStepResult } from '../phase';
import { promoteRoleCredentials, rollbackRoleCredentials } from '../../anonymize/role-credentials';
import { outcome, type PhaseOutcome } from '../outcome';

/** Swaps the verified candidate in as staging, keeping the old staging database until the checks pass. */
export async function runPromote(ctx: RunContext): Promise<PhaseOutcome> {
  const { candidate } = ctx.state;
  if (!candidate) throw new EnvironmentError('promote needs a restored candidate (state.candidate is empty)');
  const progress = await ctx.providers.database.promote(candidate, ctx.state.promotion);
  ctx.state.promotion = progress.value;
  if (progress.state === 'pending') return outcome.pending(progress.detail ?? 'swap in progress', progress.retryAfterMs);
  const roles = await promoteRoleSecrets(ctx);
  const { staging, previous } = progress.value;
  return outcome.passed(
    `${previous ? `candidate is now staging (${staging.id}); the old staging is kept as ${previous.id} until the checks pass` : `candidate is now staging (${staging.id}); there was no staging database before`}${roles > 0 ? `; ${roles} role secret(s) now hold the candidate's passwords` : ''}`,
    { staging: staging.id, previous: previous?.id ?? '', ...(roles > 0 ? { roleSecretsPromoted: roles } : {}) },
  );
}

/** The staged role passwords become their secrets' current versions, once the candidate is staging. */
async function promoteRoleSecrets(ctx: RunContext): Promise<number> {
  const staged = ctx.state.stagedRoles ?? [];
  if (staged.length === 0) return 0;
  const store = ctx.providers.database.roleSecrets;
  if (!store) throw new EnvironmentError(`state lists ${staged.length} staged role secret(s) but the ${ctx.providers.database.kind} provider has no secret store`);
  ctx.state.stagedRoles = await promoteRoleCredentials(store, staged);
  return staged.length;
}

/**
 * Compensation: staging points back at the database it was before the run. A rollback made of waited
 * steps (renames) records how far it got in `state.promotion` and reports pending until it is done.
 */
export async function rollbackPromotion(ctx: RunContext): Promise<SettleStepResult> {
  const { promotion } = ctx.state;
  if (!promotion) return undefined;
  // A settle called again (a later step was waiting) does not roll back twice.
  if (!ctx.state.rolledBack) {
    // The secrets first (no wait): applications get the old passwords back as the old database returns.
    const staged = ctx.state.stagedRoles ?? [];
    const store = ctx.providers.database.roleSecrets;
    if (staged.length > 0 && store) await rollbackRoleCredentials(store, staged);
    const progress = await ctx.providers.database.rollback(promotion);
    ctx.state.promotion = progress.value;
    if (progress.state === 'pending') return { pending: progress.detail ?? 'rollback in progress', retryAfterMs: progress.retryAfterMs };
    ctx.state.rolledBack = true;
  }
  return promotion.previous
    ? `staging rolled back to the database it was before this run`
    : `the new staging database was removed (there was none before this run)`;
}

/** Confirmation: all checks passed, the previous staging database is removed (unless configured to keep it). */
export async function commitPromotion(ctx: RunContext): Promise<string | undefined> {
  const { promotion } = ctx.state;
  if (!promotion) return undefined;
  await ctx.providers.database.commit(promotion);
  if (!promotion.previous) return 'new staging kept';
  return ctx.config.databases.staging.keepPrevious ? `new staging kept; previous kept as ${promotion.previous.id}` : 'new staging kept; previous staging removed';
}
