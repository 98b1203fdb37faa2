import { runLoadTest, type LoadTestOptions } from './run-load';
import { breachOf, type StressReport, type StressStep } from './stress-report';

export type { StressReport, StressStep };

/** How stress mode steps the rate. */
export interface StressPlan {
  readonly startRate: number;
  readonly step: number;
  readonly stepDurationMs: number;
  readonly maxRate: number;
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
