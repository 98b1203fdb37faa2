import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { claimSlice, failedSliceResult } from '../../shared/aws/load-claims';
import type { LoadResultStore, LoadWorkerReport } from '../../shared/aws/load-results';
import { issuesToProblems } from '../../shared/config/problems';
import { ConfigError, describeError } from '../../shared/errors';
import type { LoadWorkerResult } from '../../shared/load/result-schema';
import { loadWorkerEventSchema, runLoadWorker, type LoadWorkerEventInput } from '../../shared/load/worker-event';
import { lazyLoadResultStore } from '../common/load-results-store';

export { loadWorkerEventSchema };
export type { LoadWorkerEventInput, LoadWorkerResult };

/** A Map state item: the worker event plus, in AWS, the S3 key its result goes to. */
export const loadWorkerItemSchema = loadWorkerEventSchema.extend({ resultKey: z.string().min(1).optional() });

const logger = new Logger({ serviceName: 'rehearsal-load-worker' });

/** What the worker reads of Lambda's context: its request id, and its remaining time (the claim's deadline). */
export interface InvocationContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

/** Injected by tests: the clock, the wait between looks at a slice claimed elsewhere, and its interval. */
export interface LoadWorkerOptions {
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly pollMs?: number;
}

/** An invocation's length when Lambda does not say (run outside Lambda): the worker function's timeout. */
const DEFAULT_INVOCATION_MS = 15 * 60_000;

/**
 * One worker of a fanned-out load run, invoked by the Step Functions Map state (one item per slice).
 *
 * Event (`loadWorkerItemSchema`):
 * `{ runId: string, target: string (URL), slice: LoadSlice (from planLoadSlices), convos: Conversation[], resultKey?: string }`
 * where `convos` are the parsed conversations (`conversationSchema` in shared/converse/model.ts; empty in
 * raw mode).
 *
 * Result: with `resultKey` (the state machine always sets it) the encoded result is written to the load
 * results bucket under that key, which can exceed Step Functions' 256 KB payload limit, and
 * `{ workerIndex, resultKey }` is returned. Idempotent per (run, slice): when that key already holds
 * this slice's result (an invocation retried after the write), it is returned as it is and no traffic
 * is sent; before sending, the invocation claims the slice (`claimSlice`: an S3 conditional put), so a
 * concurrent invocation waits for the result instead, and one after a claimant that died mid-traffic
 * stores the slice as invalid with the reason (the merge reports it) instead of sending it again.
 * Without `resultKey`, the result itself (`loadWorkerResultSchema`):
 * counters and per-(conversation, turn) encoded HdrHistograms, merged exactly by `mergeLoadResults`.
 * A malformed event throws `ConfigError` (not worth retrying); the Lambda timeout must exceed the
 * slice's total duration, its request timeout and the code warm-up (up to `MAX_WARM_UP_MS`): the plan
 * step refuses a slice that does not fit (see `assertFitsWorker` in shared/aws/load-fan-out.ts).
 */
export function createLoadWorker(
  store: () => LoadResultStore = lazyLoadResultStore(),
  options: LoadWorkerOptions = {},
): (event: unknown, context?: InvocationContext) => Promise<LoadWorkerResult | LoadWorkerReport> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (event, context) => {
    const parsed = loadWorkerItemSchema.safeParse(event);
    if (!parsed.success) throw new ConfigError(issuesToProblems(parsed.error.issues, { prefix: ['event'] }));
    const { runId, target, slice, resultKey } = parsed.data;
    if (resultKey !== undefined) {
      // Traffic only under this slice's claim: a retried or concurrent invocation never sends it twice.
      const remainingMs = context?.getRemainingTimeInMillis?.() ?? DEFAULT_INVOCATION_MS;
      const turn = await claimSlice(store(), {
        runId, slice, resultKey, invocation: context?.awsRequestId ?? `local-${now()}`, deadline: now() + remainingMs, now, sleep,
        ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      });
      if (turn.action === 'done') logger.info('load slice already done: its result is stored, no traffic sent', { runId, workerIndex: slice.workerIndex, resultKey });
      if (turn.action === 'lost') logger.error('load slice lost: an earlier invocation died mid-traffic; reported invalid, not sent again', { runId, workerIndex: slice.workerIndex, resultKey, reason: turn.reason });
      if (turn.action !== 'run') return { workerIndex: slice.workerIndex, resultKey };
    }
    logger.info('load slice starting', { runId, target, workerIndex: slice.workerIndex, workerCount: slice.workerCount, mode: slice.mode });
    const startedAt = now();
    let result: LoadWorkerResult;
    try {
      result = await runLoadWorker(parsed.data);
    } catch (error) {
      // The claim stays: a retry must not resend what may have been sent; it finds this failure instead.
      if (resultKey !== undefined) await store().write(resultKey, failedSliceResult(slice, startedAt, `worker ${slice.workerIndex} of ${slice.workerCount} failed mid-run: ${describeError(error)}`));
      throw error;
    }
    logger.info('load slice done', {
      runId, workerIndex: slice.workerIndex, launched: result.arrivals.launched, late: result.arrivals.late,
      dropped: result.arrivals.dropped, maxLagMs: result.maxLagMs, invalid: result.invalid.length, aborted: result.aborted ?? 'no',
    });
    if (resultKey === undefined) return result;
    await store().write(resultKey, result);
    return { workerIndex: slice.workerIndex, resultKey };
  };
}

/** The worker over the load results bucket named by LOAD_RESULTS_BUCKET (read on first use). */
export const loadWorker = createLoadWorker();

/** The Lambda entry point: {@link loadWorker} wrapped by middy with the Powertools logger's context. */
export const handler = middy(loadWorker).use(injectLambdaContext(logger));
