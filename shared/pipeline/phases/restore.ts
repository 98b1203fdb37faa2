import { EnvironmentError } from '../../errors';
import type { RunContext } from '../context';
import { outcome, type PhaseOutcome } from '../outcome';

/** Restores the snapshot as a candidate staging database; staging itself is not touched. */
export async function runRestore(ctx: RunContext): Promise<PhaseOutcome> {
  const { snapshot } = ctx.state;
  if (!snapshot) throw new EnvironmentError('restore needs the snapshot phase to have run first (state.snapshot is empty)');
  const progress = await ctx.providers.database.restore(snapshot, ctx.runId, ctx.state.candidate);
  ctx.state.candidate = progress.value;
  if (progress.state === 'pending') return outcome.pending(progress.detail ?? `candidate ${progress.value.id} is being restored`, progress.retryAfterMs);
  return outcome.passed(`candidate ${progress.value.id} restored from ${snapshot.id}`, { candidate: progress.value.id });
}

/** Compensation: a candidate that never became staging is removed. */
export async function discardCandidate(ctx: RunContext): Promise<string | undefined> {
  const { candidate, promotion } = ctx.state;
  if (!candidate || promotion) return undefined;
  await ctx.providers.database.discard(candidate);
  return `candidate ${candidate.id} removed; staging untouched`;
}
