import type { LoadReport } from './report';
import type { ThresholdResult } from './thresholds';

/*
 * What stress mode reports, apart from running it: the AWS merge step judges steps with this without
 * importing the load runner and its HTTP client.
 */

/** One rate tried in stress mode. */
export interface StressStep {
  readonly rate: number;
  readonly passed: boolean;
  readonly report: LoadReport;
}

/** The outcome of stress mode. */
export interface StressReport {
  /** The highest rate (arrivals/s) that held every threshold; 0 when even the first step broke. */
  readonly capacity: number;
  /** The first step that broke, if any. */
  readonly brokeAt?: number;
  /** The check and scope that broke first, and the turn that lagged most in that step. */
  readonly breach?: { readonly check: string; readonly scope: string; readonly actual: number; readonly limit: number; readonly slowestTurn?: string };
  readonly steps: readonly StressStep[];
}

/** What broke a step: the first failed check, its scope and figures, and the turn with the highest p95. */
export function breachOf(result: ThresholdResult, report: LoadReport): NonNullable<StressReport['breach']> {
  const turns = report.conversations.flatMap((conversation) => conversation.turns.map((turn) => ({ label: `${conversation.name} / turn ${turn.turn}`, p95: turn.latency.p95 })));
  const slowest = turns.sort((a, b) => b.p95 - a.p95)[0];
  return { check: result.check, scope: result.scope, actual: result.actual, limit: result.limit, ...(slowest ? { slowestTurn: slowest.label } : {}) };
}
