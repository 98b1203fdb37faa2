import { THRESHOLD_METRICS, thresholdCheckSchema, thresholdExpressionSchema, thresholdScopeSchema, parseThresholdExpression, type ThresholdCheck, type ThresholdExpression, type ThresholdMetric, type ThresholdScope } from './threshold-schema';
import { summarize } from './histograms';
import type { LoadMeasurement, Series } from './measurement';

export { THRESHOLD_METRICS, thresholdCheckSchema, thresholdExpressionSchema, thresholdScopeSchema, parseThresholdExpression };
export type { ThresholdCheck, ThresholdExpression, ThresholdMetric, ThresholdScope };

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

const OVERALL = 'overall';

/**
 * Evaluates every check on the measurement. Percentiles come from the merged response-time histograms
 * of the scope (never from averaged percentiles). The overall error rate counts each dropped arrival
 * as a failed request. Scopes with fewer than `minRequests` requests are
 * not judged (used while a run is still going).
 */
export function evaluateThresholds(checks: readonly ThresholdCheck[], measurement: LoadMeasurement, minRequests = 1): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  const all = [...measurement.series.values()];
  for (const check of checks) {
    for (const scope of expandScope(check.scope, all)) {
      const measured = measurement.combined(scope.include);
      // Arrivals dropped because every connection was busy and the queue full never reached any turn:
      // each counts as one failed request overall, so a target too slow to be served fails errorRate.
      const dropped = scope.label === OVERALL ? measurement.arrivals.dropped : 0;
      const combined = { ...measured, requests: measured.requests + dropped, errors: measured.errors + dropped };
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
  return [{ label: OVERALL, keys: {}, include: () => true }];
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
