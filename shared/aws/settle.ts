import { describeError, EnvironmentError } from '../errors';
import { MetricsRecorder } from '../metrics/recorder';
import type { RunContext } from '../pipeline/context';
import type { PhaseDefinition } from '../pipeline/phase';
import type { Settlement } from '../pipeline/report';
import type { RunState } from '../pipeline/state';
import { orderedResults, parseExecution, type Execution } from './execution';
import type { PhaseRuntime } from './phase-step';

/** Options of {@link settleExecution}. */
export interface SettleOptions {
  /** Waits between attempts; injected by tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Attempts at one undo or commit step when it fails for a transient reason (throttling, a busy database). */
export const SETTLE_ATTEMPTS = 4;

/**
 * Retries a step that threw an {@link EnvironmentError} (transient AWS faults arrive as one): a rollback
 * that gives up on the first throttle would leave staging on the candidate. Other errors are final.
 */
async function withRetries<T>(step: () => Promise<T>, sleep: (ms: number) => Promise<void>, runtime: PhaseRuntime): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof EnvironmentError) || error.name !== 'EnvironmentError' || attempt >= SETTLE_ATTEMPTS) throw error;
      runtime.log.warn(`settling staging: ${describeError(error)}; attempt ${attempt + 1} of ${SETTLE_ATTEMPTS}`);
      await sleep(2_000 * 2 ** (attempt - 1));
    }
  }
}

/**
 * The state machine's settle state, with the local runner's rules: phases the run stopped before get
 * `not-run`; if anything failed, the `undo` of every phase that ran is called in reverse order
 * (candidate removed, record pointed back); if all passed, every `commit` in order (previous staging
 * removed). A failing step is recorded and the others still run: staging must end up settled.
 */
export async function settleExecution(table: readonly PhaseDefinition[], event: unknown, runtime: PhaseRuntime, options: SettleOptions = {}): Promise<Execution> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const execution = parseExecution(event);
  const results: Execution['results'] = { ...execution.results };
  const ran = table.filter((phase) => results[phase.name] && results[phase.name]?.status !== 'not-run');
  for (const phase of table) {
    if (!phase.final && !results[phase.name]) {
      results[phase.name] = { name: phase.name, status: 'not-run', summary: 'not run: an earlier phase failed', durationMs: 0, attempts: 0, figures: {} };
    }
  }
  const failed = Object.values(results).some((result) => result?.status === 'failed' || result?.status === 'not-run');
  const state = structuredClone(execution.state) as RunState;
  const ctx: RunContext = {
    runId: execution.runId, config: runtime.config, baseDir: runtime.baseDir, outDir: runtime.outDir,
    providers: runtime.providers, maskingKey: runtime.maskingKey, state, log: runtime.log,
    metrics: new MetricsRecorder({ Environment: runtime.config.environment, Bot: runtime.config.bot }),
    results: orderedResults({ ...execution, results }),
  };
  const steps = failed ? [...ran].reverse().map((phase) => phase.undo) : ran.map((phase) => phase.commit);
  const done: string[] = [];
  for (const step of steps) {
    if (!step) continue;
    try {
      const detail = await withRetries(() => step(ctx), sleep, runtime);
      if (detail) done.push(detail);
    } catch (error) {
      runtime.log.error(`settling staging failed: ${describeError(error)}`);
      done.push(`FAILED: ${describeError(error)}`);
    }
  }
  const detail = done.join('; ') || 'nothing to settle';
  const settlement: Settlement = !failed
    ? { action: done.length > 0 ? 'committed' : 'none', detail }
    : state.rolledBack ? { action: 'rolled-back', detail } : { action: done.length > 0 ? 'discarded-candidate' : 'none', detail };
  runtime.log.info(`staging ${settlement.action}: ${settlement.detail}`);
  return parseExecution({ ...execution, state: state as Execution['state'], results, settlement });
}
