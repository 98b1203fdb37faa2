import { describeError, EnvironmentError } from '../errors';
import type { RunContext } from './context';
import type { PhaseDefinition } from './phase';
import type { Settlement } from './report';

/** Attempts at one undo or commit step when it fails for a transient reason (throttling, a busy database). */
export const SETTLE_ATTEMPTS = 4;

/**
 * Settles staging at the end of a run, by the same rules locally and in the state machine: if anything
 * failed, the `undo` of every phase that ran is called in reverse order (candidate removed, staging
 * rolled back); if all passed, every `commit` in order (previous staging removed). A step that throws
 * an {@link EnvironmentError} is retried with backoff, since a rollback that gives up on the first
 * throttle would leave staging on the candidate; a step that still fails is recorded, the others still
 * run, and the settlement is `unsettled` so nobody mistakes it for a clean end.
 */
export async function settleStaging(
  ran: readonly PhaseDefinition[],
  failed: boolean,
  ctx: RunContext,
  sleep: (ms: number) => Promise<void>,
): Promise<Settlement> {
  const steps = failed ? [...ran].reverse().map((phase) => phase.undo) : ran.map((phase) => phase.commit);
  const done: string[] = [];
  let stepFailed = false;
  for (const step of steps) {
    if (!step) continue;
    try {
      const detail = await withRetries(() => step(ctx), ctx, sleep);
      if (detail) done.push(detail);
    } catch (error) {
      ctx.log.error(`settling staging failed: ${describeError(error)}`);
      done.push(`FAILED: ${describeError(error)}`);
      stepFailed = true;
    }
  }
  const detail = done.join('; ') || 'nothing to settle';
  if (stepFailed) return { action: 'unsettled', detail: `${detail}; staging needs a look by hand` };
  if (!failed) return { action: done.length > 0 ? 'committed' : 'none', detail };
  if (ctx.state.rolledBack) return { action: 'rolled-back', detail };
  return { action: done.length > 0 ? 'discarded-candidate' : 'none', detail };
}

async function withRetries<T>(step: () => Promise<T>, ctx: RunContext, sleep: (ms: number) => Promise<void>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (error) {
      // Only the plain EnvironmentError is transient; its subclasses (a refused AWS request) are final.
      if (!(error instanceof EnvironmentError) || error.name !== 'EnvironmentError' || attempt >= SETTLE_ATTEMPTS) throw error;
      ctx.log.warn(`settling staging: ${describeError(error)}; attempt ${attempt + 1} of ${SETTLE_ATTEMPTS}`);
      await sleep(2_000 * 2 ** (attempt - 1));
    }
  }
}
