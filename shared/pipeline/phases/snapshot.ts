import type { RunContext } from '../context';
import { outcome, type PhaseOutcome } from '../outcome';

/** Takes a point-in-time copy of production (the only production action besides reading it). */
export async function runSnapshot(ctx: RunContext): Promise<PhaseOutcome> {
  const { database } = ctx.providers;
  if (!ctx.state.snapshot) await database.preflight();
  const progress = await database.snapshot(ctx.runId, ctx.state.snapshot);
  ctx.state.snapshot = progress.value;
  if (progress.state === 'pending') return outcome.pending(progress.detail ?? `snapshot ${progress.value.id} is being created`, progress.retryAfterMs);
  const pruned = await database.pruneSnapshots(ctx.config.databases.staging.keepSnapshots);
  return outcome.passed(`snapshot ${progress.value.id} taken`, { snapshot: progress.value.id, snapshotsPruned: pruned.length });
}
