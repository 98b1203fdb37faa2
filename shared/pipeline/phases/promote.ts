import { EnvironmentError } from '../../errors';
import type { RunContext } from '../context';
import { outcome, type PhaseOutcome } from '../outcome';

/** Swaps the verified candidate in as staging, keeping the old staging database until the checks pass. */
export async function runPromote(ctx: RunContext): Promise<PhaseOutcome> {
  const { candidate } = ctx.state;
  if (!candidate) throw new EnvironmentError('promote needs a restored candidate (state.candidate is empty)');
  const progress = await ctx.providers.database.promote(candidate, ctx.state.promotion);
  ctx.state.promotion = progress.value;
  if (progress.state === 'pending') return outcome.pending(progress.detail ?? 'swap in progress', progress.retryAfterMs);
  const { staging, previous } = progress.value;
  return outcome.passed(
    previous ? `candidate is now staging (${staging.id}); the old staging is kept as ${previous.id} until the checks pass` : `candidate is now staging (${staging.id}); there was no staging database before`,
    { staging: staging.id, previous: previous?.id ?? '' },
  );
}

/** Compensation: staging points back at the database it was before the run. */
export async function rollbackPromotion(ctx: RunContext): Promise<string | undefined> {
  const { promotion } = ctx.state;
  if (!promotion) return undefined;
  await ctx.providers.database.rollback(promotion);
  ctx.state.rolledBack = true;
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
