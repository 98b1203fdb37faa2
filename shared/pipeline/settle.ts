import { describeError, EnvironmentError } from '../errors';
import type { RunContext } from './context';
import type { PhaseSpec } from './phase';
import type { Settlement } from './report';

/** Attempts at one undo or commit step when it fails for a transient reason (throttling, a busy database). */
export const SETTLE_ATTEMPTS = 4;

/** The longest the local runner waits on one pending undo or commit step (a database rename takes minutes). */
export const SETTLE_PENDING_LIMIT_MS = 60 * 60_000;

/** Settling stopped at a step that is waiting; call the settle again after `retryAfterMs` (the state machine does). */
export interface SettleWaiting {
  readonly action: 'waiting';
  readonly detail: string;
  readonly retryAfterMs: number;
}

/**
 * Settles staging at the end of a run, by the same rules locally and in the state machine: if anything
 * failed, the `undo` of every phase that ran is called in reverse order (candidate removed, staging
 * rolled back); if all passed, every `commit` in order (previous staging removed). A step that throws
 * an {@link EnvironmentError} is retried with backoff, since a rollback that gives up on the first
 * throttle would leave staging on the candidate; a step that still fails is recorded, the others still
 * run, and the settlement is `unsettled` so nobody mistakes it for a clean end. A step that returns
 * pending is waited for and called again (up to {@link SETTLE_PENDING_LIMIT_MS}).
 */
export async function settleStaging(
  ran: readonly PhaseSpec[],
  failed: boolean,
  ctx: RunContext,
  sleep: (ms: number) => Promise<void>,
): Promise<Settlement> {
  const result = await settle(ran, failed, ctx, sleep, 'wait');
  if (result.action === 'waiting') throw new Error('unreachable: settling locally waits for pending steps');
  return result;
}

/**
 * One call of the settle in the state machine: as {@link settleStaging}, but a pending step ends the
 * call with {@link SettleWaiting} (the state machine waits, then calls again; the steps before it are
 * idempotent and run again, the pending one resumes from the state it recorded).
 */
export function settleStagingOnce(
  ran: readonly PhaseSpec[],
  failed: boolean,
  ctx: RunContext,
  sleep: (ms: number) => Promise<void>,
): Promise<Settlement | SettleWaiting> {
  return settle(ran, failed, ctx, sleep, 'return');
}

async function settle(
  ran: readonly PhaseSpec[],
  failed: boolean,
  ctx: RunContext,
  sleep: (ms: number) => Promise<void>,
  onPending: 'wait' | 'return',
): Promise<Settlement | SettleWaiting> {
  const steps = failed ? [...ran].reverse().map((phase) => phase.undo) : ran.map((phase) => phase.commit);
  const done: string[] = [];
  let stepFailed = false;
  for (const step of steps) {
    if (!step) continue;
    try {
      let waitedMs = 0;
      let detail = await withRetries(() => step(ctx), ctx, sleep);
      while (typeof detail === 'object') {
        if (onPending === 'return') return { action: 'waiting', detail: detail.pending, retryAfterMs: detail.retryAfterMs };
        if (waitedMs + detail.retryAfterMs > SETTLE_PENDING_LIMIT_MS) throw new EnvironmentError(`still waiting after ${SETTLE_PENDING_LIMIT_MS} ms: ${detail.pending}`);
        ctx.log.info(`settling staging: ${detail.pending}; checking again in ${detail.retryAfterMs} ms`);
        await sleep(detail.retryAfterMs);
        waitedMs += detail.retryAfterMs;
        detail = await withRetries(() => step(ctx), ctx, sleep);
      }
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
