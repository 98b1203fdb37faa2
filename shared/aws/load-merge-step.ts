import { z } from 'zod';
import { issuesToProblems } from '../config/problems';
import { ConfigError } from '../errors';
import { loadReportFromResults } from '../load/distributed';
import { loadOutcome, writeLoadJson } from '../pipeline/phases/load-outcome';
import { loadPlanSchema } from './load-plan-schema';
import { loadWorkerReportSchema, readSliceResults, type LoadResultStore } from './load-results';
import { judgeStressStep, stressItems } from './load-stress-steps';
import { runPhaseStep, type PhaseRuntime, type PhaseStep, type PhaseStepSpec } from './phase-step';

const mergeEventSchema = z.object({
  execution: z.looseObject({ loadPlan: loadPlanSchema.extend({ results: z.array(loadWorkerReportSchema) }) }),
});

/**
 * The last state of the fanned-out load phase: reads every worker's result from the store (only keys
 * are in state), merges the encoded histograms exactly (`loadReportFromResults`: counts added,
 * percentiles computed afterwards, never averaged), records the latency distributions and returns the
 * phase's result exactly as the single-Lambda phase would (`loadOutcome`), without `loadPlan`. In
 * stress mode, while the step held and the next rate is within `maxRate`, it returns the document with
 * the next rate's `loadPlan` instead (no result yet), and the state machine runs the workers again. A
 * missing worker report is a {@link ConfigError} naming it.
 */
export async function mergeLoadStep(phase: Pick<PhaseStepSpec, 'name' | 'timeoutMs'>, event: unknown, runtime: PhaseRuntime, store: LoadResultStore): Promise<PhaseStep> {
  const parsed = mergeEventSchema.safeParse(event);
  if (!parsed.success) throw new ConfigError(issuesToProblems(parsed.error.issues, { prefix: ['event'] }));
  const plan = parsed.data.execution.loadPlan;
  const reported = new Map(plan.results.map((report) => [report.workerIndex, report.resultKey]));
  const missing = plan.items.filter((item) => reported.get(item.slice.workerIndex) !== item.resultKey);
  if (missing.length > 0) {
    throw new ConfigError(missing.map((item) => ({ path: `event.execution.loadPlan.results`, message: `no report from worker ${item.slice.workerIndex} (expected its result at ${item.resultKey})` })));
  }
  if (plan.stress) {
    const { stress } = plan;
    const judging = { target: plan.target, mode: plan.mode, checks: plan.checks };
    const verdict = await judgeStressStep(stress, plan.items, store, judging);
    if ('next' in verdict) {
      const { results: _results, ...rest } = plan;
      const execution = parsed.data.execution as unknown as PhaseStep['execution'];
      const slices = plan.items.map((item) => item.slice);
      runtime.log.info(`load: stress step at ${stress.startRate + stress.index * stress.step} arrivals/s held; next ${stress.startRate + verdict.next.index * stress.step} arrivals/s`);
      return { execution: { ...execution, loadPlan: { ...rest, stress: verdict.next, items: stressItems(plan.runId, verdict.next, slices) } } as PhaseStep['execution'], metrics: [] };
    }
    return runPhaseStep({
      ...phase,
      run: async (ctx) => {
        // Judged again with the recorder, so the last step's latencies become the phase's metrics.
        const final = await judgeStressStep(stress, plan.items, store, { ...judging, metrics: ctx.metrics });
        if (!('report' in final)) throw new Error('a stress step judged twice gave two verdicts');
        const last = final.report.steps[final.report.steps.length - 1];
        if (!last) throw new Error('stress mode ended without a step');
        await writeLoadJson(ctx, last.report, final.report);
        return loadOutcome(last.report, final.report);
      },
    }, event, runtime);
  }
  return runPhaseStep({
    ...phase,
    run: async (ctx) => {
      // One result per planned slice, each checked to be that slice's: a retried worker's slice counts once.
      const results = await readSliceResults(store, plan.items);
      const report = loadReportFromResults(results, { target: plan.target, mode: plan.mode, checks: plan.checks, metrics: ctx.metrics });
      await writeLoadJson(ctx, report);
      return loadOutcome(report);
    },
  }, event, runtime);
}
