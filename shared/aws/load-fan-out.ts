import { issuesToProblems } from '../config/problems';
import { ConfigError } from '../errors';
import { prepareLoadCheck } from '../load/check';
import { totalDurationMs } from '../load/arrivals';
import { planLoadSlices } from '../load/distributed';
import { MAX_WARM_UP_MS } from '../load/warm-up';
import { assertReachable } from '../load/reachability';
import { loadSourcesOf } from '../pipeline/phases/load';
import { loadResultKey } from './load-results';
import { DEFAULT_STRESS_CHECK, stressItems, type StressProgress } from './load-stress-steps';
import { LOAD_WORKER_TIMEOUT_MS, MAX_MAP_WORKERS, type LoadPlan, type PlannedExecution } from './load-plan-schema';
import { parseExecution } from './execution';
import { phaseEventSchema, runPhaseStep, type PhaseRuntime, type PhaseStep, type PhaseStepSpec } from './phase-step';

export type { LoadPlan, PlannedExecution };

/**
 * Step Functions passes at most 256 KB between states; the plan (conversations once, one slice per
 * worker) must leave room for the rest of the execution document and the workers' reports.
 */
export const MAX_LOAD_PLAN_BYTES = 200_000;

/** Time a worker needs besides its schedule: start-up, reading its slice, storing its result. */
const WORKER_MARGIN_MS = 60_000;

/**
 * A worker Lambda runs one slice (one stress step) whole: its schedule, the code warm-up, the last
 * replies (up to the request timeout) and a margin must fit in {@link LOAD_WORKER_TIMEOUT_MS}, or
 * every worker would be killed mid-run and report nothing.
 */
function assertFitsWorker(scheduleMs: number, requestTimeoutMs: number, path: string): void {
  const needed = scheduleMs + MAX_WARM_UP_MS + requestTimeoutMs + WORKER_MARGIN_MS;
  if (needed <= LOAD_WORKER_TIMEOUT_MS) return;
  const minutes = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;
  throw new ConfigError([{ path, message: `a worker Lambda would need ${minutes(needed)} (schedule ${minutes(scheduleMs)}, request timeout, warm-up and start-up) but runs at most ${minutes(LOAD_WORKER_TIMEOUT_MS)}: shorten the ${path === 'load.phases' ? 'phases' : 'step'} to at most ${minutes(LOAD_WORKER_TIMEOUT_MS - MAX_WARM_UP_MS - requestTimeoutMs - WORKER_MARGIN_MS)}` }]);
}

/**
 * The first state of the load phase in AWS. With a `load` section it validates the conversations,
 * checks the target answers (EnvironmentError otherwise, before any worker starts), splits the
 * arrivals into `load.workers` slices (`planLoadSlices`; default 1, at most {@link MAX_MAP_WORKERS})
 * and returns the document with `loadPlan` for the Map state; the phase's clock starts here, so its
 * duration covers plan, workers and merge. In stress mode the plan is the first rate's, and the merge
 * step plans each next rate while the last one held (see load-stress-steps.ts). Without a load section
 * (skipped) it runs the phase in this Lambda and the state machine skips the Map state.
 */
export async function planLoadStep(phase: PhaseStepSpec, event: unknown, runtime: PhaseRuntime): Promise<PhaseStep> {
  const config = runtime.config.load;
  if (!config) return runPhaseStep(phase, event, runtime);
  const parsedEvent = phaseEventSchema.safeParse(event);
  if (!parsedEvent.success) throw new ConfigError(issuesToProblems(parsedEvent.error.issues, { prefix: ['event'] }));
  const execution = parseExecution(parsedEvent.data.execution);
  if (config.workers > MAX_MAP_WORKERS) {
    throw new ConfigError([{ path: 'load.workers', message: `${config.workers} workers cannot all run at once in AWS: a Step Functions Inline Map state runs at most ${MAX_MAP_WORKERS} iterations at a time; use at most ${MAX_MAP_WORKERS}` }]);
  }
  const sources = loadSourcesOf({ config: runtime.config, baseDir: runtime.baseDir }, config);
  const prepared = await prepareLoadCheck(config, sources);
  await assertReachable(sources.target);
  // Stress mode with no threshold stops once errors climb, as a local stress run does.
  const checks = config.stress && prepared.checks.length === 0 ? [DEFAULT_STRESS_CHECK] : prepared.checks;
  const abortOn = prepared.abortAfterMs === undefined || checks.length === 0 ? undefined : { checks, windowMs: prepared.abortAfterMs };
  const stress: StressProgress | undefined = config.stress
    ? { startRate: config.stress.startRate, step: config.stress.step, stepDurationMs: config.stress.stepDuration, maxRate: config.stress.maxRate, index: 0, done: [] }
    : undefined;
  if (stress && stress.startRate > stress.maxRate) throw new ConfigError([{ path: 'load.stress', message: 'stress mode would run no step: startRate must not exceed maxRate' }]);
  const profile = stress ? { ...prepared.profile, phases: [{ durationMs: stress.stepDurationMs, arrivalRate: stress.startRate }] } : prepared.profile;
  assertFitsWorker(totalDurationMs(profile.phases), prepared.profile.timeoutMs ?? 30_000, stress ? 'load.stress.stepDuration' : 'load.phases');
  const slices = planLoadSlices({ ...profile, ...(abortOn ? { abortOn } : {}) }, config.workers);
  const loadPlan: LoadPlan = {
    runId: execution.runId, target: sources.target, mode: 'conversations', checks, convos: [...prepared.conversations],
    items: stress ? stressItems(execution.runId, stress, slices) : slices.map((slice) => ({ slice, resultKey: loadResultKey(execution.runId, slice.workerIndex) })),
    ...(stress ? { stress } : {}),
  };
  const { step: _step, ...rest } = execution;
  const planned: PlannedExecution = { ...rest, clock: { phase: phase.name, startedAt: (runtime.now ?? Date.now)(), polls: 1 }, loadPlan };
  const bytes = Buffer.byteLength(JSON.stringify(planned));
  if (bytes > MAX_LOAD_PLAN_BYTES) {
    throw new ConfigError([{ path: 'load', message: `the load plan is ${Math.ceil(bytes / 1024)} KB, over the ${MAX_LOAD_PLAN_BYTES / 1000} KB that fits in a Step Functions state: use fewer workers or fewer, shorter conversations` }]);
  }
  runtime.log.info(`load: fanning out over ${slices.length} worker Lambda${slices.length === 1 ? '' : 's'}`, { workers: slices.length });
  return { execution: planned, metrics: [] };
}
