import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { findSliceResult, type LoadResultStore, type LoadWorkerReport } from '../../shared/aws/load-results';
import { issuesToProblems } from '../../shared/config/problems';
import { ConfigError } from '../../shared/errors';
import type { LoadWorkerResult } from '../../shared/load/result-schema';
import { loadWorkerEventSchema, runLoadWorker, type LoadWorkerEventInput } from '../../shared/load/worker-event';
import { lazyLoadResultStore } from '../common/load-results-store';

export { loadWorkerEventSchema };
export type { LoadWorkerEventInput, LoadWorkerResult };

/** A Map state item: the worker event plus, in AWS, the S3 key its result goes to. */
export const loadWorkerItemSchema = loadWorkerEventSchema.extend({ resultKey: z.string().min(1).optional() });

const logger = new Logger({ serviceName: 'rehearsal-load-worker' });

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
 * is sent. Without `resultKey`, the result itself (`loadWorkerResultSchema`):
 * counters and per-(conversation, turn) encoded HdrHistograms, merged exactly by `mergeLoadResults`.
 * A malformed event throws `ConfigError` (not worth retrying); the Lambda timeout must exceed the
 * slice's total duration plus its request timeout.
 */
export function createLoadWorker(store: () => LoadResultStore = lazyLoadResultStore()): (event: unknown) => Promise<LoadWorkerResult | LoadWorkerReport> {
  return async (event) => {
    const parsed = loadWorkerItemSchema.safeParse(event);
    if (!parsed.success) throw new ConfigError(issuesToProblems(parsed.error.issues, { prefix: ['event'] }));
    const { runId, target, slice, resultKey } = parsed.data;
    if (resultKey !== undefined) {
      // A retried invocation (Step Functions or Lambda) whose slice already ran must not send its traffic again.
      const earlier = await findSliceResult(store(), resultKey, slice);
      if (earlier.result) {
        logger.info('load slice already done: its result is stored, no traffic sent', { runId, workerIndex: slice.workerIndex, resultKey });
        return { workerIndex: slice.workerIndex, resultKey };
      }
      if (earlier.stale !== undefined) logger.warn('load slice result replaced: the stored object is not this slice\'s', { runId, workerIndex: slice.workerIndex, reason: earlier.stale });
    }
    logger.info('load slice starting', { runId, target, workerIndex: slice.workerIndex, workerCount: slice.workerCount, mode: slice.mode });
    const result = await runLoadWorker(parsed.data);
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
