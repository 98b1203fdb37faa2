import type { Conversation } from '../converse/model';
import type { RunLog } from '../pipeline/log';
import { planLoadSlices } from './distributed';
import { runLoadSlice } from './engine';
import { LoadMeasurement } from './measurement';
import { assertReachable } from './reachability';
import { toLoadReport, type LoadReport } from './report';
import type { LoadProfileInput } from './slice-schema';
import { runInWorkerThreads } from './threads';
import { evaluateThresholds, type ThresholdCheck } from './thresholds';

/** Options of {@link runLoadTest}. */
export interface LoadTestOptions {
  readonly runId: string;
  readonly target: string;
  readonly profile: LoadProfileInput;
  readonly conversations: readonly Conversation[];
  /** Worker threads; 1 runs in this thread. */
  readonly workers?: number;
  readonly checks?: readonly ThresholdCheck[];
  /** Stop early once a check has been breached this long (with worker threads, each judges the traffic it sent). */
  readonly abortAfterMs?: number;
  readonly log?: RunLog;
}

/**
 * Runs one open-model load test: checks the target is reachable (EnvironmentError otherwise), runs
 * the arrivals in this thread or split over worker threads (merged exactly), evaluates the thresholds
 * and returns the report. `report.passed` is false when a threshold broke, the run was aborted or the
 * generator saturated.
 */
export async function runLoadTest(options: LoadTestOptions): Promise<{ report: LoadReport; measurement: LoadMeasurement }> {
  await assertReachable(options.target);
  const workers = options.workers ?? 1;
  const checks = options.checks ?? [];
  const abortOn = options.abortAfterMs === undefined || checks.length === 0 ? undefined : { checks: [...checks], windowMs: options.abortAfterMs };
  const slices = planLoadSlices({ ...options.profile, ...(abortOn ? { abortOn } : {}) }, workers);
  let measurement: LoadMeasurement;
  if (workers === 1) {
    measurement = await runLoadSlice(slices[0] as (typeof slices)[number], { target: options.target, conversations: options.conversations, runId: options.runId });
  } else {
    options.log?.info(`load: ${workers} worker threads`);
    const results = await runInWorkerThreads(slices.map((slice) => ({ runId: options.runId, target: options.target, slice, convos: [...options.conversations] })));
    measurement = LoadMeasurement.fromResults(results);
  }
  const thresholds = evaluateThresholds(checks, measurement);
  return { report: toLoadReport(measurement, { mode: slices[0]?.mode ?? 'conversations', target: options.target, workers, thresholds }), measurement };
}
