import { z } from 'zod';
import { encodedTimelineSchema } from './timeline';

/** One (conversation, turn)'s encoded histograms (HdrHistogram V2 compressed base64, microseconds). */
export const encodedSeriesSchema = z.object({
  conversation: z.string(),
  turn: z.number().int().min(1),
  requests: z.number().int().min(0),
  errors: z.number().int().min(0),
  response: z.string().min(1),
  service: z.string().min(1),
  firstToken: z.string().min(1).optional(),
});

/**
 * What one load worker returns (a worker thread locally, a worker Lambda in AWS), as JSON. Its
 * histograms are encoded, so results merge exactly: see `mergeLoadResults`.
 */
export const loadWorkerResultSchema = z.object({
  workerIndex: z.number().int().min(0),
  workerCount: z.number().int().min(1),
  /** Epoch ms when the worker started sending. */
  startedAt: z.number(),
  durationMs: z.number().min(0),
  arrivals: z.object({ scheduled: z.number().int(), launched: z.number().int(), late: z.number().int(), dropped: z.number().int() }),
  sessions: z.object({ started: z.number().int(), passed: z.number().int(), failed: z.number().int(), errored: z.number().int() }),
  /** Errors by kind: `connection`, `timeout`, `http`, `protocol`, `assertion`, `template`. */
  errorKinds: z.record(z.string(), z.number().int().min(0)),
  assertionFailures: z.number().int().min(0),
  /** The worst event-loop delay seen, ms: a high value means the generator itself was saturated. */
  maxLagMs: z.number().min(0),
  /** Why the figures cannot be trusted (generator saturated); empty when they can. */
  invalid: z.array(z.string()),
  /** Set when the run stopped early (threshold breached, target unreachable). */
  aborted: z.string().optional(),
  /**
   * Completed requests (turns) and errors per second since the worker's start (`startedAt`); merged by
   * adding bucket k to bucket k. Optional so a result from a worker without it still parses: the merge
   * then has no timeline rather than a short one.
   */
  timeline: encodedTimelineSchema.optional(),
  series: z.array(encodedSeriesSchema),
});
export type LoadWorkerResult = z.infer<typeof loadWorkerResultSchema>;
