import { z } from 'zod';
import type { DatabaseProvider, DatabaseRef, Promotion } from '../db/provider';
import { EnvironmentError } from '../errors';
import { METRIC } from '../metrics/catalog';
import { MetricsRecorder, type MetricDatum } from '../metrics/recorder';
import type { RunLog } from '../pipeline/log';
import type { DatabaseClients } from './clients';
import { currentTarget, type DnsRecord } from './dns-swap';
import { runScopedIdentifier } from './resources';
import type { RunLock } from './run-lock';
import { REPLACES_TAG, type ManagedDatabase } from './swap';
import { startOrQueue, type StartRun, type TriggerResult } from './trigger';

/**
 * The failure path for executions that never reach their Finish state (the run timeout passed, or a
 * person stopped it): Step Functions reports them on EventBridge, and this puts staging back, removes
 * the candidate, releases the lock and records RefreshFailed, as Finish would have.
 */
const statusChange = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({ status: z.enum(['TIMED_OUT', 'ABORTED']), executionArn: z.string(), input: z.string() }),
});
const executionInput = z.object({ runId: z.string().min(1), deployId: z.string().min(1) });

/** What {@link reapExecution} needs, injected. */
export interface ReaperDeps {
  readonly database: DatabaseProvider & ManagedDatabase;
  readonly clients: Pick<DatabaseClients, 'route53'>;
  readonly record: DnsRecord;
  readonly candidatePrefix: string;
  readonly databaseName: string;
  readonly lock: RunLock;
  readonly startRun: StartRun;
  readonly lockForMs: number;
  readonly log: RunLog;
  readonly dimensions: { readonly Environment: string; readonly Bot: string };
  /** Waits between rollback calls (Route 53 applying the record change). @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Rollback calls the reaper makes at most (10 s apart: well inside its 5 minutes) before giving up. */
export const REAPER_ROLLBACK_CALLS = 20;

/** What the reaper did. */
export type ReapResult =
  | { readonly action: 'ignored'; readonly reason: string }
  | { readonly action: 'reaped'; readonly runId: string; readonly staging: 'rolled-back' | 'candidate-discarded'; readonly next?: TriggerResult; readonly metrics: readonly MetricDatum[] };

export async function reapExecution(event: unknown, deps: ReaperDeps): Promise<ReapResult> {
  const parsed = statusChange.safeParse(event);
  if (!parsed.success) return ignore(deps, 'not a TIMED_OUT or ABORTED execution status change');
  let input: z.infer<typeof executionInput>;
  try {
    input = executionInput.parse(JSON.parse(parsed.data.detail.input));
  } catch {
    return ignore(deps, `execution ${parsed.data.detail.executionArn} has no rehearsal run id in its input`);
  }
  const candidate: DatabaseRef = { id: runScopedIdentifier(deps.candidatePrefix, 'cand', input.runId), database: deps.databaseName };
  const staging = await settleCandidate(candidate, deps);
  const released = await deps.lock.release(input.runId);
  const next = released.pendingDeployId
    ? await startOrQueue({ deployId: released.pendingDeployId, description: `deploy ${released.pendingDeployId} (queued during run ${input.runId})` }, deps)
    : undefined;
  const recorder = new MetricsRecorder(deps.dimensions);
  recorder.add(METRIC.RefreshFailed, 1, 'Count');
  deps.log.error(`run ${input.runId} ${parsed.data.detail.status}: staging ${staging}, lock released`, { runId: input.runId });
  return { action: 'reaped', runId: input.runId, staging, ...(next ? { next } : {}), metrics: recorder.all() };
}

/** Points staging back when the record names this run's candidate (using the tag it carries), else removes the candidate. */
async function settleCandidate(candidate: DatabaseRef, deps: ReaperDeps): Promise<'rolled-back' | 'candidate-discarded'> {
  const found = await deps.database.describeForSwap(candidate.id);
  const target = found ? await currentTarget(deps.clients.route53, deps.record) : undefined;
  if (found && target === found.host) {
    const replaced = found.tags.find((tag) => tag.Key === REPLACES_TAG)?.Value;
    const promotion: Promotion = { staging: candidate, ...(replaced && replaced !== '-' ? { previous: { id: replaced, database: deps.databaseName } } : {}) };
    // The rollback reports pending until Route 53 applied the change; the candidate goes after that.
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let progress = await deps.database.rollback(promotion);
    for (let call = 1; progress.state === 'pending' && call < REAPER_ROLLBACK_CALLS; call += 1) {
      await sleep(progress.retryAfterMs);
      progress = await deps.database.rollback(progress.value);
    }
    if (progress.state === 'pending') throw new EnvironmentError(`rolling staging back is still waiting after ${REAPER_ROLLBACK_CALLS} calls: ${progress.detail ?? 'pending'}`);
    return 'rolled-back';
  }
  await deps.database.discard(candidate);
  return 'candidate-discarded';
}

function ignore(deps: ReaperDeps, reason: string): ReapResult {
  deps.log.warn(`reaper: ${reason}`);
  return { action: 'ignored', reason };
}
