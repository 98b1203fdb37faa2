import { z } from 'zod';
import { connectorSchema } from '../converse/connector-schema';
import { thresholdCheckSchema } from './threshold-schema';

/** One open-model phase in milliseconds and arrivals per second (the JSON form of a config phase). */
export const slicePhaseSchema = z.object({
  durationMs: z.number().positive(),
  arrivalRate: z.number().positive(),
  rampTo: z.number().positive().optional(),
});

/** A raw-mode request: the same request sent at every arrival. */
export const rawRequestSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
});

/** Everything a load run needs besides the target and the conversations: the same for all workers. */
export const loadProfileSchema = z.object({
  phases: z.array(slicePhaseSchema).min(1),
  /** `conversations`: each arrival is a simulated user running one conversation; `raw`: one request. */
  mode: z.enum(['conversations', 'raw']).default('conversations'),
  raw: rawRequestSchema.optional(),
  /** Raw mode only: ignore arrival rates and keep every connection busy (closed model, for peak req/s). */
  closedLoop: z.boolean().default(false),
  /** Conversation weights by name; conversations not listed use their file's weight. */
  weights: z.record(z.string(), z.number().positive()).default({}),
  /** Connections (kept alive) across all workers. */
  connections: z.number().int().min(1).default(64),
  timeoutMs: z.number().positive().default(30_000),
  /** Event-loop delay above which the generator counts as saturated and the run as invalid. */
  maxLagMs: z.number().positive().default(100),
  /** An arrival launched later than this after its intended time counts as late. */
  latenessToleranceMs: z.number().min(0).default(20),
  /** Arrivals waiting for a connection beyond this are dropped (and counted). */
  maxPendingArrivals: z.number().int().min(1).default(10_000),
  /** Think times in conversations: honoured (true) or skipped. */
  think: z.boolean().default(true),
  connector: connectorSchema.optional(),
  /**
   * Early abort: each worker stops once one of these checks has been breached, on the traffic it has
   * seen, for `windowMs` (judged every second, with at least 20 requests in the scope).
   */
  abortOn: z.object({ checks: z.array(thresholdCheckSchema).min(1), windowMs: z.number().min(0) }).optional(),
});
export type LoadProfile = z.infer<typeof loadProfileSchema>;
export type LoadProfileInput = z.input<typeof loadProfileSchema>;

/**
 * One worker's share of a load run: the whole profile plus which arrivals are its own (global arrival
 * index modulo `workerCount` equals `workerIndex`), so the union of all slices is exactly the single
 * run's arrival schedule. `connections` is this worker's share.
 */
export const loadSliceSchema = loadProfileSchema.extend({
  workerIndex: z.number().int().min(0),
  workerCount: z.number().int().min(1),
});
export type LoadSlice = z.infer<typeof loadSliceSchema>;
