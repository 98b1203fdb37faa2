import { z } from 'zod';
import { conversationSchema } from '../converse/model';
import { loadSliceSchema } from '../load/slice-schema';
import { thresholdCheckSchema } from '../load/threshold-schema';
import type { Execution } from './execution';
import { loadWorkerReportSchema } from './load-results';
import { stressProgressSchema } from './load-stress-steps';

/**
 * The most worker Lambdas one load phase fans out over: an Inline Map state runs at most 40 iterations
 * at once, and every worker must run at the same time for the arrival schedule to hold. The Map state's
 * MaxConcurrency; the plan step refuses a larger `load.workers` (worker threads locally allow 64).
 */
export const MAX_MAP_WORKERS = 40;

/** The worker Lambda's timeout (Lambda's maximum): a slice's schedule, warm-up and last replies must fit. */
export const LOAD_WORKER_TIMEOUT_MS = 15 * 60_000;

/**
 * The fan-out of the load phase while the Map state runs, under `loadPlan` in the execution document:
 * what every worker shares (run, target, conversations), one item per worker (its slice and the S3 key
 * of its result), and after the Map state the workers' reports. Never a secret: conversations are the
 * team's scripted test turns.
 */
export const loadPlanSchema = z.object({
  runId: z.string().min(1),
  target: z.url(),
  mode: z.enum(['conversations', 'raw']),
  checks: z.array(thresholdCheckSchema),
  convos: z.array(conversationSchema),
  items: z.array(z.object({ slice: loadSliceSchema, resultKey: z.string().min(1) })).min(1),
  /** Stress mode: the steps judged so far and the one the Map state runs now (see load-stress-steps.ts). */
  stress: stressProgressSchema.optional(),
  /** Set by the Map state (its ResultPath): one report per worker. */
  results: z.array(loadWorkerReportSchema).optional(),
});
export type LoadPlan = z.infer<typeof loadPlanSchema>;

/** The execution document after the plan step: the usual fields plus `loadPlan` for the Map state. */
export type PlannedExecution = Execution & { readonly loadPlan: LoadPlan };
