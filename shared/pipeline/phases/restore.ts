import { rollbackRoleCredentials, stagedVersionId, type StagedRole } from '../../anonymize/role-credentials';
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

/**
 * Compensation: a candidate that never became staging is removed, and the role passwords anonymize
 * staged for it lose their AWSPENDING label (they would otherwise wait in the secrets, looking like a
 * rotation in progress). Once promote recorded a promotion, its rollback does both instead.
 */
export async function discardCandidate(ctx: RunContext): Promise<string | undefined> {
  const { candidate, promotion } = ctx.state;
  if (promotion) return undefined;
  // The candidate first: a secret that cannot be read must not keep a whole database running.
  if (candidate) await ctx.providers.database.discard(candidate);
  const secrets = await discardStagedRoleSecrets(ctx);
  const done = [...(candidate ? [`candidate ${candidate.id} removed; staging untouched`] : []), ...(secrets > 0 ? [`staged passwords of ${secrets} role secret(s) discarded`] : [])];
  return done.length > 0 ? done.join('; ') : undefined;
}

/**
 * Takes AWSPENDING off the versions this run staged (AWSCURRENT is never touched: promote did not run).
 * The versions in state, plus each configured role's version id derived from the run (anonymize may
 * have staged some before it failed and recorded them). Idempotent: a version without the label, or
 * that was never written, is left alone. Returns how many secrets were looked at.
 */
async function discardStagedRoleSecrets(ctx: RunContext): Promise<number> {
  const store = ctx.providers.database.roleSecrets;
  const { staging } = ctx.config.databases;
  const configured = staging.provider === 'local' ? [] : staging.roles;
  const recorded = ctx.state.stagedRoles ?? [];
  const derived = configured
    .filter((role) => !recorded.some((entry) => entry.secretArn === role.secretArn))
    .map((role): StagedRole => ({ role: role.name, secretArn: role.secretArn, versionId: stagedVersionId(ctx.runId, role.secretArn) }));
  const staged = [...recorded, ...derived];
  if (!store || staged.length === 0) return 0;
  // Without a replaced version, restore only removes AWSPENDING from ours.
  await rollbackRoleCredentials(store, staged.map(({ replacedVersionId: _replaced, ...entry }) => entry));
  return staged.length;
}
