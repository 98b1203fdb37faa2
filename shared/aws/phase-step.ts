import { z } from 'zod';
import type { Config } from '../config/schema';
import { ConfigError } from '../errors';
import { issuesToProblems } from '../config/problems';
import { MetricsRecorder, type MetricDatum } from '../metrics/recorder';
import type { Providers, RunContext } from '../pipeline/context';
import type { RunLog } from '../pipeline/log';
import type { PhaseDefinition } from '../pipeline/phase';
import type { PhaseResult } from '../pipeline/report';
import type { RunState } from '../pipeline/state';
import { orderedResults, parseExecution, type Execution } from './execution';

/** What a phase Lambda receives: the execution document and how many times Step Functions retried this call. */
export const phaseEventSchema = z.object({
  execution: z.unknown(),
  retryCount: z.number().int().min(0).default(0),
});

/** What a phase runs with in AWS: built once per cold start by the handler, injected here. */
export interface PhaseRuntime {
  readonly config: Config;
  readonly baseDir: string;
  readonly outDir: string;
  readonly providers: Providers;
  readonly maskingKey: Buffer;
  readonly log: RunLog;
  readonly now?: () => number;
}

/** What one call needs of a phase-table row: its name, its function and its timeout. */
export type PhaseStepSpec = Pick<PhaseDefinition, 'name' | 'run' | 'timeoutMs'>;

/** One call of a phase: the updated execution document and the metrics the phase recorded. */
export interface PhaseStep {
  readonly execution: Execution;
  readonly metrics: readonly MetricDatum[];
  /** Set when this call recorded the phase's result: the outcome's `details`, which stay out of the document (see phase-records). */
  readonly finished?: { readonly details?: unknown };
}

/**
 * Runs one call of a phase from the phase table inside the state machine, as the local runner's
 * `untilDone` does: a `pending` outcome is handed back with the wait in seconds (the state machine
 * waits and calls again) until the phase's `timeoutMs` would pass, which fails it with the runner's
 * message. Errors the phase throws are not caught: the state machine's Retry and Catch, built from the
 * same table, handle them.
 */
export async function runPhaseStep(phase: PhaseStepSpec, event: unknown, runtime: PhaseRuntime): Promise<PhaseStep> {
  const parsedEvent = phaseEventSchema.safeParse(event);
  if (!parsedEvent.success) throw new ConfigError(issuesToProblems(parsedEvent.error.issues, { prefix: ['event'] }));
  const execution = parseExecution(parsedEvent.data.execution);
  const now = runtime.now ?? Date.now;
  const clock = execution.clock?.phase === phase.name
    ? { ...execution.clock, polls: execution.clock.polls + 1 }
    : { phase: phase.name, startedAt: now(), polls: 1 };
  const state = structuredClone(execution.state) as RunState;
  const metrics = new MetricsRecorder({ Environment: runtime.config.environment, Bot: runtime.config.bot }, now);
  const ctx: RunContext = {
    runId: execution.runId,
    config: runtime.config,
    baseDir: runtime.baseDir,
    outDir: runtime.outDir,
    providers: runtime.providers,
    maskingKey: runtime.maskingKey,
    state,
    metrics,
    log: runtime.log,
    results: orderedResults(execution),
  };
  const outcome = await phase.run(ctx);
  const { clock: _previous, step: _step, ...rest } = execution;
  // Validated on the way out by `checked`: RunState is an interface, the document a checked JSON shape.
  const stateJson = state as Execution['state'];

  if (outcome.status === 'pending' && now() - clock.startedAt + outcome.retryAfterMs <= phase.timeoutMs) {
    runtime.log.info(`${phase.name}: ${outcome.summary}; checking again in ${outcome.retryAfterMs} ms`);
    const retryAfterSeconds = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
    return { execution: checked({ ...rest, state: stateJson, clock, step: { status: 'pending', retryAfterSeconds } }), metrics: metrics.all() };
  }
  const result: PhaseResult = outcome.status === 'pending'
    ? { name: phase.name, status: 'failed', summary: `timed out after ${phase.timeoutMs} ms: ${outcome.summary}`, durationMs: now() - clock.startedAt, attempts: parsedEvent.data.retryCount + 1, figures: {} }
    : { name: phase.name, status: outcome.status, summary: outcome.summary, durationMs: now() - clock.startedAt, attempts: parsedEvent.data.retryCount + 1, figures: { ...(outcome.figures ?? {}) } };
  return {
    execution: checked({ ...rest, state: stateJson, results: { ...rest.results, [phase.name]: result }, step: { status: result.status === 'failed' ? 'failed' : outcome.status === 'skipped' ? 'skipped' : 'passed' } }),
    metrics: metrics.all(),
    finished: outcome.status !== 'pending' && outcome.details !== undefined ? { details: outcome.details } : {},
  };
}

/** The document going back to Step Functions passes the same checks as one coming in (no secret in state). */
function checked(execution: Execution): Execution {
  return parseExecution(execution);
}
