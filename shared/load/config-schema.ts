import { z } from 'zod';
import { durationSchema } from '../util/duration';
import { thresholdExpressionSchema, thresholdScopeSchema, type ThresholdCheck } from './threshold-schema';

/** The `load` section: an open workload of simulated users running conversations, with thresholds. */

/**
 * The most load workers (worker threads locally; in AWS the Map state's own limit of 40 applies, see
 * MAX_MAP_WORKERS in shared/aws/load-plan-schema.ts).
 */
export const MAX_LOAD_WORKERS = 64;

const loadStage = z
  .object({
    duration: durationSchema,
    /** New simulated users per second at the start of the phase. */
    arrivalRate: z.number().positive(),
    /** Rate at the end of the phase (linear ramp). */
    rampTo: z.number().positive().optional(),
  })
  .strict();

/** A threshold written as an expression, optionally for one conversation, one turn, or each of them. */
const thresholdRule = z.union([
  thresholdExpressionSchema,
  z.strictObject({
    check: thresholdExpressionSchema,
    conversation: z.string().min(1).optional(),
    turn: z.number().int().min(1).optional(),
    each: z.enum(['conversation', 'turn']).optional(),
  }),
]);

export const loadSchema = z
  .object({
    /** Defaults to `converse.target`. */
    target: z.url().optional(),
    /** Defaults to `converse.convos`. */
    convos: z.array(z.string().min(1)).min(1).optional(),
    /** Defaults to `converse.connector`. */
    connector: z.string().min(1).optional(),
    phases: z.array(loadStage).min(1),
    /** Conversation weights in the mix, by conversation name (default: each file's `weight`). */
    weights: z.record(z.string(), z.number().positive()).default({}),
    /** Keep-alive connections in total. */
    connections: z.number().int().min(1).max(10_000).default(64),
    /**
     * Workers generating load (each gets every N-th arrival); histograms are merged exactly. Locally
     * worker threads; in AWS worker Lambdas fanned out by the state machine's Map state. Default 1.
     */
    workers: z.number().int().min(1).max(MAX_LOAD_WORKERS).default(1),
    /** Honour `think` times between turns. */
    think: z.boolean().default(true),
    /** Per-request timeout. */
    requestTimeout: durationSchema.default(30_000),
    /** Event-loop delay (p99) above which the generator counts as saturated and the run as invalid. */
    maxEventLoopLag: durationSchema.default(100),
    thresholds: z
      .object({
        /** Overall response-time p95 limit. */
        p95: durationSchema.optional(),
        /** Overall response-time p99 limit. */
        p99: durationSchema.optional(),
        /** Overall error ratio limit (0.01 = 1%). */
        errorRate: z.number().min(0).max(1).optional(),
        /** More checks: `"p95 < 800ms"`, or `{ check, conversation?, turn? }`, or `{ check, each: turn }`. */
        checks: z.array(thresholdRule).default([]),
        /** Stop early once a check has been breached for this long (evaluated every second). */
        abortAfter: durationSchema.optional(),
      })
      .strict()
      .default({ checks: [] }),
    /**
     * Stress mode: instead of `phases`, raise the arrival rate from `startRate` by `step` every
     * `stepDuration` until a threshold breaks (or `maxRate`), and report the highest rate that held.
     */
    stress: z
      .object({
        startRate: z.number().positive(),
        step: z.number().positive(),
        stepDuration: durationSchema,
        maxRate: z.number().positive(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type LoadConfig = z.infer<typeof loadSchema>;

/** The threshold checks of a load config, overall keys first, in a JSON-safe form. */
export function thresholdChecksOf(thresholds: LoadConfig['thresholds']): ThresholdCheck[] {
  const checks: ThresholdCheck[] = [];
  if (thresholds.p95 !== undefined) checks.push({ metric: 'p95', operator: '<', limit: thresholds.p95, source: `p95 < ${thresholds.p95}ms`, scope: {} });
  if (thresholds.p99 !== undefined) checks.push({ metric: 'p99', operator: '<', limit: thresholds.p99, source: `p99 < ${thresholds.p99}ms`, scope: {} });
  if (thresholds.errorRate !== undefined) checks.push({ metric: 'errorRate', operator: '<', limit: thresholds.errorRate, source: `errorRate < ${thresholds.errorRate * 100}%`, scope: {} });
  for (const rule of thresholds.checks) {
    if ('check' in rule) {
      const scope = rule.each !== undefined ? { each: rule.each } : rule.conversation !== undefined ? { conversation: rule.conversation, ...(rule.turn === undefined ? {} : { turn: rule.turn }) } : {};
      checks.push({ ...rule.check, scope: thresholdScopeSchema.parse(scope) });
    } else {
      checks.push({ ...rule, scope: {} });
    }
  }
  return checks;
}
