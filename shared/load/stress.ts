import type { LoadReport } from './report';
import { runLoadTest, type LoadTestOptions } from './run-load';
import type { ThresholdResult } from './thresholds';

/** How stress mode steps the rate. */
export interface StressPlan {
  readonly startRate: number;
  readonly step: number;
  readonly stepDurationMs: number;
  readonly maxRate: number;
}

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

/**
 * Stress mode: runs one step per rate, from `startRate` up by `step` to `maxRate`, and stops at the
 * first step whose thresholds break (or whose run is invalid). Without thresholds, `errorRate < 1%`
 * is the rule so errors climbing still ends the ramp.
 */
export async function runStress(plan: StressPlan, options: Omit<LoadTestOptions, 'profile'> & { readonly profile: Omit<LoadTestOptions['profile'], 'phases'> }): Promise<StressReport> {
  const checks = options.checks && options.checks.length > 0
    ? options.checks
    : [{ metric: 'errorRate' as const, operator: '<' as const, limit: 0.01, source: 'errorRate < 1%', scope: {} }];
  const steps: StressStep[] = [];
  let capacity = 0;
  for (let rate = plan.startRate; rate <= plan.maxRate + 1e-9; rate += plan.step) {
    options.log?.info(`stress: ${rate} arrivals/s for ${plan.stepDurationMs / 1000} s`);
    const { report } = await runLoadTest({ ...options, checks, profile: { ...options.profile, phases: [{ durationMs: plan.stepDurationMs, arrivalRate: rate }] } });
    const passed = report.passed;
    steps.push({ rate, passed, report });
    if (!passed) {
      const failed = report.thresholds.find((result) => !result.passed);
      return { capacity, brokeAt: rate, ...(failed ? { breach: breachOf(failed, report) } : {}), steps };
    }
    capacity = rate;
  }
  return { capacity, steps };
}

/** What broke a step: the first failed check, its scope and figures, and the turn with the highest p95. */
export function breachOf(result: ThresholdResult, report: LoadReport): NonNullable<StressReport['breach']> {
  const turns = report.conversations.flatMap((conversation) => conversation.turns.map((turn) => ({ label: `${conversation.name} / turn ${turn.turn}`, p95: turn.latency.p95 })));
  const slowest = turns.sort((a, b) => b.p95 - a.p95)[0];
  return { check: result.check, scope: result.scope, actual: result.actual, limit: result.limit, ...(slowest ? { slowestTurn: slowest.label } : {}) };
}
