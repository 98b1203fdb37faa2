import { z } from 'zod';
import { issuesToProblems } from '../config/problems';
import { ConfigError } from '../errors';
import { loadReportFromResults } from '../load/distributed';
import { loadOutcome, writeLoadJson } from '../pipeline/phases/load-outcome';
import { loadPlanSchema } from './load-plan-schema';
import { loadWorkerReportSchema, readSliceResults, type LoadResultStore } from './load-results';
import { runPhaseStep, type PhaseRuntime, type PhaseStep, type PhaseStepSpec } from './phase-step';

const mergeEventSchema = z.object({
  execution: z.looseObject({ loadPlan: loadPlanSchema.extend({ results: z.array(loadWorkerReportSchema) }) }),
});

/**
 * The last state of the fanned-out load phase: reads every worker's result from the store (only keys
 * are in state), merges the encoded histograms exactly (`loadReportFromResults`: counts added,
 * percentiles computed afterwards, never averaged), records the latency distributions and returns the
 * phase's result exactly as the single-Lambda phase would (`loadOutcome`), without `loadPlan`. A
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
