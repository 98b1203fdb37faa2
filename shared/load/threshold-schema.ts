import { z } from 'zod';
import { parseDuration } from '../util/duration';

/**
 * Threshold expressions and checks as the config and the load slices parse them: zod and a duration
 * parser only. Kept apart from their evaluation (thresholds.ts, which needs the HdrHistogram library)
 * so every function that imports the config schema does not bundle hdr-histogram-js.
 */

/** What a threshold limits: a response-time percentile (CO corrected), the mean, the max, or the error rate. */
export const THRESHOLD_METRICS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean', 'errorRate'] as const;
export type ThresholdMetric = (typeof THRESHOLD_METRICS)[number];

const EXPRESSION = /^\s*(p50|p90|p95|p99|p999|p99\.9|max|mean|errorRate)\s*(<=|<)\s*(\S+)\s*$/;

/** A threshold expression (`p95 < 800ms`, `p99 < 2s`, `errorRate < 1%`) parsed; limit in ms or a 0..1 ratio. */
export interface ThresholdExpression {
  readonly metric: ThresholdMetric;
  readonly operator: '<' | '<=';
  readonly limit: number;
}

/** Parses a threshold expression; returns a message saying what was expected when it is malformed. */
export function parseThresholdExpression(text: string): ThresholdExpression | string {
  const match = EXPRESSION.exec(text);
  if (!match) return `invalid threshold ${JSON.stringify(text)}, expected "<metric> < <limit>" with a metric of ${THRESHOLD_METRICS.join(', ')}, e.g. "p95 < 800ms" or "errorRate < 1%"`;
  const metric = (match[1] === 'p99.9' ? 'p999' : match[1]) as ThresholdMetric;
  const raw = match[3] ?? '';
  const limit = metric === 'errorRate'
    ? (raw.endsWith('%') ? Number(raw.slice(0, -1)) / 100 : Number(raw))
    : parseDuration(raw);
  if (limit === undefined || !Number.isFinite(limit) || limit < 0) {
    return `invalid limit ${JSON.stringify(raw)} in ${JSON.stringify(text)}, expected ${metric === 'errorRate' ? 'a percentage such as 1% or a ratio such as 0.01' : 'a duration such as 800ms or 2s'}`;
  }
  return { metric, operator: match[2] as '<' | '<=', limit };
}

/** A threshold expression as zod parses it from config. */
export const thresholdExpressionSchema = z.string().transform((text, ctx) => {
  const parsed = parseThresholdExpression(text);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return { ...parsed, source: text.trim() };
});

/** Where a threshold applies: the whole run, one conversation, one turn of one, or each conversation/turn. */
export const thresholdScopeSchema = z.union([
  z.strictObject({ conversation: z.string().min(1), turn: z.number().int().min(1).optional() }),
  z.strictObject({ each: z.enum(['conversation', 'turn']) }),
  z.strictObject({}),
]);
export type ThresholdScope = z.infer<typeof thresholdScopeSchema>;

/** One threshold check, JSON-safe (it travels in load slices for early abort). */
export const thresholdCheckSchema = z.object({
  metric: z.enum(THRESHOLD_METRICS),
  operator: z.enum(['<', '<=']),
  limit: z.number().min(0),
  source: z.string(),
  scope: thresholdScopeSchema,
});
export type ThresholdCheck = z.infer<typeof thresholdCheckSchema>;
