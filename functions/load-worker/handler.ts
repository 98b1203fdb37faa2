import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { issuesToProblems } from '../../shared/config/problems';
import { ConfigError } from '../../shared/errors';
import type { LoadWorkerResult } from '../../shared/load/result-schema';
import { loadWorkerEventSchema, runLoadWorker, type LoadWorkerEventInput } from '../../shared/load/worker-event';

export { loadWorkerEventSchema };
export type { LoadWorkerEventInput, LoadWorkerResult };

const logger = new Logger({ serviceName: 'rehearsal-load-worker' });

/**
 * One worker of a fanned-out load run, invoked by the Step Functions Map state (one item per slice).
 *
 * Event (`loadWorkerEventSchema`):
 * `{ runId: string, target: string (URL), slice: LoadSlice (from planLoadSlices), convos: Conversation[] }`
 * where `convos` are the parsed conversations (`conversationSchema` in shared/converse/model.ts; empty in
 * raw mode).
 *
 * Result (`loadWorkerResultSchema`): counters and per-(conversation, turn) encoded HdrHistograms, merged
 * exactly by `mergeLoadResults`. A malformed event throws `ConfigError` (not worth retrying); the
 * Lambda timeout must exceed the slice's total duration plus its request timeout.
 */
export async function loadWorker(event: unknown): Promise<LoadWorkerResult> {
  const parsed = loadWorkerEventSchema.safeParse(event);
  if (!parsed.success) throw new ConfigError(issuesToProblems(parsed.error.issues, { prefix: ['event'] }));
  const { runId, target, slice } = parsed.data;
  logger.info('load slice starting', { runId, target, workerIndex: slice.workerIndex, workerCount: slice.workerCount, mode: slice.mode });
  const result = await runLoadWorker(parsed.data);
  logger.info('load slice done', {
    runId, workerIndex: slice.workerIndex, launched: result.arrivals.launched, late: result.arrivals.late,
    dropped: result.arrivals.dropped, maxLagMs: result.maxLagMs, invalid: result.invalid.length, aborted: result.aborted ?? 'no',
  });
  return result;
}

/** The Lambda entry point: {@link loadWorker} wrapped by middy with the Powertools logger's context. */
export const handler = middy(loadWorker).use(injectLambdaContext(logger));
