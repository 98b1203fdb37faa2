import { z } from 'zod';
import { loadReportFromResults } from '../load/distributed';
import type { LoadSlice } from '../load/slice-schema';
import { breachOf, type StressReport, type StressStep } from '../load/stress-report';
import type { ThresholdCheck } from '../load/thresholds';
import type { MetricsRecorder } from '../metrics/recorder';
import { LOAD_RESULTS_PREFIX, readSliceResults, type LoadResultStore } from './load-results';

/**
 * Stress mode fanned out over worker Lambdas: the plan step plans the first rate, the Map state runs it
 * on every worker, the merge step judges it and, while it held and the next rate is within `maxRate`,
 * plans the next rate for the Map state again (the state machine loops); the first step that breaks, or
 * the last rate, ends the phase with the same capacity report a local run gives. Each step's results
 * stay in S3 under their own keys; state carries only keys and verdicts.
 */
export const stressProgressSchema = z.object({
  startRate: z.number().positive(),
  step: z.number().positive(),
  stepDurationMs: z.number().int().positive(),
  maxRate: z.number().positive(),
  /** The step the Map state runs now, from 0. */
  index: z.number().int().nonnegative(),
  /** The steps judged so far: their rate, verdict and result keys. */
  done: z.array(z.object({ rate: z.number(), passed: z.boolean(), resultKeys: z.array(z.string().min(1)).min(1) })),
});
export type StressProgress = z.infer<typeof stressProgressSchema>;

/** When no threshold is set, stress mode stops once errors climb (as `runStress` does locally). */
export const DEFAULT_STRESS_CHECK: ThresholdCheck = { metric: 'errorRate', operator: '<', limit: 0.01, source: 'errorRate < 1%', scope: {} };

/** The rate of step `index`. */
export const rateOf = (stress: Pick<StressProgress, 'startRate' | 'step'>, index: number): number => stress.startRate + index * stress.step;

/** The S3 key of one worker's result for one stress step. */
export function stressResultKey(runId: string, index: number, workerIndex: number): string {
  return `${LOAD_RESULTS_PREFIX}${runId}/step-${String(index).padStart(2, '0')}/worker-${String(workerIndex).padStart(2, '0')}.json`;
}

/** The Map state's items for step `index`: every worker's slice at that step's rate for `stepDurationMs`. */
export function stressItems(runId: string, stress: StressProgress, slices: readonly LoadSlice[]): { slice: LoadSlice; resultKey: string }[] {
  const phases = [{ durationMs: stress.stepDurationMs, arrivalRate: rateOf(stress, stress.index) }];
  return slices.map((slice) => ({ slice: { ...slice, phases }, resultKey: stressResultKey(runId, stress.index, slice.workerIndex) }));
}

/** What the merge step does after judging a step: run the next rate, or end with the capacity report. */
export type StressVerdict =
  | { readonly next: StressProgress }
  | { readonly report: StressReport };

/**
 * Judges the step the workers just ran (its results merged exactly, its thresholds checked) and says
 * what comes next. At the end, every step's report is rebuilt from its results (state holds only keys),
 * and only the last step's latencies are recorded as metrics, as a local stress run records them.
 */
export async function judgeStressStep(
  stress: StressProgress,
  items: readonly { slice: LoadSlice; resultKey: string }[],
  store: LoadResultStore,
  options: { target: string; mode: 'conversations' | 'raw'; checks: readonly ThresholdCheck[]; metrics?: MetricsRecorder },
): Promise<StressVerdict> {
  const { metrics: _metrics, ...judging } = options;
  const rate = rateOf(stress, stress.index);
  const report = loadReportFromResults(await readSliceResults(store, items), judging);
  const done = [...stress.done, { rate, passed: report.passed, resultKeys: items.map((item) => item.resultKey) }];
  const nextRate = rateOf(stress, stress.index + 1);
  if (report.passed && nextRate <= stress.maxRate + 1e-9) return { next: { ...stress, index: stress.index + 1, done } };
  const steps: StressStep[] = [];
  for (const [i, step] of done.entries()) {
    const last = i === done.length - 1;
    if (last && !options.metrics) {
      steps.push({ rate: step.rate, passed: step.passed, report });
      continue;
    }
    const slices = step.resultKeys.map((resultKey, workerIndex) => ({ slice: { workerIndex, workerCount: step.resultKeys.length }, resultKey }));
    const results = await readSliceResults(store, slices);
    steps.push({ rate: step.rate, passed: step.passed, report: loadReportFromResults(results, last ? options : judging) });
  }
  const capacity = [...steps].reverse().find((step) => step.passed)?.rate ?? 0;
  const broke = steps.find((step) => !step.passed);
  const failed = broke?.report.thresholds.find((result) => !result.passed);
  return { report: { capacity, ...(broke ? { brokeAt: broke.rate } : {}), ...(broke && failed ? { breach: breachOf(failed, broke.report) } : {}), steps } };
}
