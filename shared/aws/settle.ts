import { MetricsRecorder } from '../metrics/recorder';
import type { RunContext } from '../pipeline/context';
import type { PhaseSpec } from '../pipeline/phase';
import { settleStagingOnce } from '../pipeline/settle';
import { remarkOnDiscardedCandidate } from '../pipeline/settlement-remark';
import type { RunState } from '../pipeline/state';
import { orderedResults, parseExecution, type Execution } from './execution';
import { AWS_RERUN } from './rerun';
import type { PhaseRuntime } from './phase-step';


/** Options of {@link settleExecution}. */
export interface SettleOptions {
  /** Waits between attempts; injected by tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The state machine's settle state, with the local runner's rules: phases the run stopped before get
 * `not-run`; if anything failed, the `undo` of every phase that ran is called in reverse order
 * (candidate removed, record pointed back); if all passed, every `commit` in order (previous staging
 * removed). A failing step is recorded and the others still run: staging must end up settled.
 * A step that must wait (a database being renamed back) ends the call with `step: pending` and the
 * wait in seconds; the state machine waits and calls again (`settlePolls` counts the calls). When the
 * candidate was discarded, each phase that threw says so under its error (see settlement-remark.ts),
 * which the finish state's on-call summary and publish's report then show.
 */
export async function settleExecution(table: readonly PhaseSpec[], event: unknown, runtime: PhaseRuntime, options: SettleOptions = {}): Promise<Execution> {
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
  const settlement = await settleStagingOnce(ran, failed, ctx, sleep);
  const { step: _step, settlePolls, ...rest } = execution;
  if (settlement.action === 'waiting') {
    runtime.log.info(`settling staging: ${settlement.detail}; checking again in ${settlement.retryAfterMs} ms`);
    const retryAfterSeconds = Math.max(1, Math.ceil(settlement.retryAfterMs / 1000));
    return parseExecution({ ...rest, state: state as Execution['state'], results, settlePolls: (settlePolls ?? 0) + 1, step: { status: 'pending', retryAfterSeconds } });
  }
  runtime.log.info(`staging ${settlement.action}: ${settlement.detail}`);
  const remarked = Object.fromEntries(orderedResults({ ...execution, results })
    .map((result) => [result.name, remarkOnDiscardedCandidate(result, table.find((phase) => phase.name === result.name), settlement, AWS_RERUN)]));
  return parseExecution({ ...rest, state: state as Execution['state'], results: remarked, settlement, step: { status: 'passed' } });
}
