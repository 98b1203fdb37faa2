import { METRIC } from '../metrics/catalog';
import { recordRunMetrics } from '../metrics/run-metrics';
import { MetricsRecorder, type MetricDatum } from '../metrics/recorder';
import type { RunLog } from '../pipeline/log';
import { orderedResults, parseExecution } from './execution';
import { startOrQueue, type StartRun, type TriggerResult } from './trigger';
import { shortenMiddle } from '../util/shorten';
import type { RunLock } from './run-lock';

/** What the finish state reports to the state machine (its Choice sends a failed run to on-call). */
export interface FinishResult {
  readonly runId: string;
  readonly status: 'passed' | 'failed';
  /** One line for the on-call notification: what failed, never a value. */
  readonly summary: string;
  /** The coalesced deploy started (or queued) now that this run ended. */
  readonly next?: TriggerResult;
}

/** What {@link finishExecution} needs, injected. */
export interface FinishDeps {
  readonly lock: RunLock;
  readonly startRun: StartRun;
  readonly log: RunLog;
  readonly lockForMs: number;
  readonly dimensions: { readonly Environment: string; readonly Bot: string };
}

/**
 * The longest a failed phase's summary is in on-call's notification, and the notification itself
 * (the execution's state carries it to SNS): cut in the middle, so what happened and the pipeline's
 * line under it both stay.
 */
const PHASE_SUMMARY_CHARS = 1_200;
const SUMMARY_CHARS = 4_000;

/**
 * The last state of every execution, passed or failed: records the run's metrics (RefreshSucceeded or
 * RefreshFailed, durations), releases the lock, and starts the pending deploy that arrived meanwhile.
 */
export async function finishExecution(event: unknown, deps: FinishDeps): Promise<{ result: FinishResult; metrics: readonly MetricDatum[] }> {
  const execution = parseExecution(event);
  const results = orderedResults(execution);
  const recorder = new MetricsRecorder(deps.dimensions);
  const recorded = recordRunMetrics(recorder, results);
  // A run whose staging could not be settled failed, whatever the checks said.
  const passed = recorded.passed && !execution.settleFailure && execution.settlement?.action !== 'unsettled';
  if (recorded.passed && !passed) recorder.add(METRIC.RefreshFailed, 1, 'Count');
  const metrics = recorder.all().filter((datum) => passed || datum.name !== METRIC.RefreshSucceeded);
  const failedPhases = results.filter((result) => result.status === 'failed');
  const summary = passed
    ? `rehearsal run ${execution.runId} passed (${execution.description || execution.deployId}); staging ${execution.settlement?.action ?? 'unsettled'}`
    : `rehearsal run ${execution.runId} FAILED (${execution.description || execution.deployId}): ${[...failedPhases.map((r) => `${r.name}: ${shortenMiddle(r.summary, PHASE_SUMMARY_CHARS)}`), ...(execution.settleFailure ? [`settling staging failed: ${execution.settleFailure.Error}`] : [])].join('; ') || 'the run did not finish'}; staging ${execution.settlement?.action ?? 'unsettled'}`;

  const released = await deps.lock.release(execution.runId);
  let next: TriggerResult | undefined;
  if (released.pendingDeployId) {
    next = await startOrQueue({ deployId: released.pendingDeployId, description: `deploy ${released.pendingDeployId} (queued during run ${execution.runId})` }, deps);
  }
  deps.log.info(summary, { runId: execution.runId, passed });
  return { result: { runId: execution.runId, status: passed ? 'passed' : 'failed', summary: shortenMiddle(summary, SUMMARY_CHARS), ...(next ? { next } : {}) }, metrics };
}
