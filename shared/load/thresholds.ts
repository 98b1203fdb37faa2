import { z } from 'zod';
import { parseDuration } from '../util/duration';
import { summarize } from './histograms';
import type { LoadMeasurement, Series } from './measurement';

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

/** The verdict of one check on one scope. */
export interface ThresholdResult {
  readonly check: string;
  /** `overall`, a conversation name, or `conversation / turn N`. */
  readonly scope: string;
  readonly conversation?: string;
  readonly turn?: number;
  readonly actual: number;
  readonly limit: number;
  readonly passed: boolean;
  readonly requests: number;
}

/**
 * Evaluates every check on the measurement. Percentiles come from the merged response-time histograms
 * of the scope (never from averaged percentiles). Scopes with fewer than `minRequests` requests are
 * not judged (used while a run is still going).
 */
export function evaluateThresholds(checks: readonly ThresholdCheck[], measurement: LoadMeasurement, minRequests = 1): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  const all = [...measurement.series.values()];
  for (const check of checks) {
    for (const scope of expandScope(check.scope, all)) {
      const combined = measurement.combined(scope.include);
      if (combined.requests < minRequests) continue;
      const actual = metricValue(check.metric, combined);
      const passed = check.operator === '<' ? actual < check.limit : actual <= check.limit;
      results.push({ check: check.source, scope: scope.label, ...scope.keys, actual, limit: check.limit, passed, requests: combined.requests });
    }
  }
  return results;
}

function metricValue(metric: ThresholdMetric, combined: ReturnType<LoadMeasurement['combined']>): number {
  if (metric === 'errorRate') return combined.requests === 0 ? 0 : combined.errors / combined.requests;
  const summary = summarize(combined.response);
  return summary[metric];
}

interface ExpandedScope {
  readonly label: string;
  readonly keys: { conversation?: string; turn?: number };
  readonly include: (series: Series) => boolean;
}

function expandScope(scope: ThresholdScope, all: readonly Series[]): ExpandedScope[] {
  if ('each' in scope) {
    if (scope.each === 'conversation') {
      return [...new Set(all.map((series) => series.conversation))].sort().map((conversation) => ({
        label: conversation, keys: { conversation }, include: (series) => series.conversation === conversation,
      }));
    }
    return [...all].sort((a, b) => a.conversation.localeCompare(b.conversation) || a.turn - b.turn).map(({ conversation, turn }) => ({
      label: `${conversation} / turn ${turn}`, keys: { conversation, turn }, include: (series) => series.conversation === conversation && series.turn === turn,
    }));
  }
  if ('conversation' in scope) {
    const { conversation, turn } = scope;
    return [{
      label: turn === undefined ? conversation : `${conversation} / turn ${turn}`,
      keys: turn === undefined ? { conversation } : { conversation, turn },
      include: (series) => series.conversation === conversation && (turn === undefined || series.turn === turn),
    }];
  }
  return [{ label: 'overall', keys: {}, include: () => true }];
}

/**
 * Early abort: returns a function the engine calls every second that gives a reason to stop once some
 * check has been breached continuously for `windowMs` (judged only with at least `minRequests`).
 */
export function sustainedBreach(checks: readonly ThresholdCheck[], windowMs: number, minRequests = 20): (measurement: LoadMeasurement, elapsedMs: number) => string | undefined {
  const breachedSince = new Map<string, number>();
  return (measurement, elapsedMs) => {
    const results = evaluateThresholds(checks, measurement, minRequests);
    for (const result of results) {
      const key = `${result.check}\u0000${result.scope}`;
      if (result.passed) {
        breachedSince.delete(key);
        continue;
      }
      const since = breachedSince.get(key) ?? elapsedMs;
      breachedSince.set(key, since);
      if (elapsedMs - since >= windowMs) {
        return `threshold ${result.check} (${result.scope}) breached for ${Math.round((elapsedMs - since) / 1000)} s: actual ${formatActual(result)}; stopped early`;
      }
    }
    return undefined;
  };
}

/** The actual value of a result for people: ms, or a percentage for error rates. */
export function formatActual(result: Pick<ThresholdResult, 'check' | 'actual'>): string {
  return result.check.startsWith('errorRate') ? `${(result.actual * 100).toFixed(2)}%` : `${result.actual} ms`;
}
