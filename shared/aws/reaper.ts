import { z } from 'zod';
import { stagedVersionId, type RoleCredentialTarget } from '../anonymize/role-credentials';
import type { DatabaseProvider, DatabaseRef, Promotion } from '../db/provider';
import { EnvironmentError } from '../errors';
import { METRIC } from '../metrics/catalog';
import { MetricsRecorder, type MetricDatum } from '../metrics/recorder';
import type { RunLog } from '../pipeline/log';
import type { DatabaseClients } from './clients';
import { currentTarget, type DnsRecord } from './dns-swap';
import { observedRenamePromotion } from './reaper-rename';
import type { RenamableDatabase } from './rename-swap';
import type { AwsRoleSecretStore } from './role-secrets';
import { runScopedIdentifier, TAGS } from './resources';
import type { RunLock } from './run-lock';
import { COMMITTED_TAG, REPLACES_TAG, type ManagedDatabase } from './swap';
import { AWS_RERUN } from './rerun';
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

/** How staging is swapped: the private record (dns), or staging's identifier the databases change places under (rename). */
export type ReaperSwap =
  | { readonly mode: 'dns'; readonly record: DnsRecord }
  | { readonly mode: 'rename'; readonly stagingIdentifier: string };

/** What {@link reapExecution} needs, injected. */
export interface ReaperDeps {
  readonly database: DatabaseProvider & ManagedDatabase & RenamableDatabase;
  readonly clients: Pick<DatabaseClients, 'route53'>;
  readonly swap: ReaperSwap;
  readonly candidatePrefix: string;
  readonly databaseName: string;
  readonly lock: RunLock;
  readonly startRun: StartRun;
  readonly lockForMs: number;
  readonly log: RunLog;
  readonly dimensions: { readonly Environment: string; readonly Bot: string };
  /** Waits between rollback calls (Route 53 applying the record change, RDS renaming). @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Application roles whose secrets anonymize may have staged (version ids derive from the run id) and
   * their store: put back before the database, as the settle does. @default none
   */
  readonly roles?: readonly RoleCredentialTarget[];
  readonly roleSecrets?: Pick<AwsRoleSecretStore, 'restoreUnrecorded'>;
  /** How long the invocation may still wait in total (the Lambda's remaining time less a margin). @default {@link REAPER_WAIT_BUDGET_MS} */
  readonly waitBudgetMs?: number;
}

/**
 * The longest the reaper waits on a pending rollback in one invocation when not told its remaining
 * time. A rollback still pending then is an {@link EnvironmentError}: the asynchronous invocation is
 * retried by Lambda and resumes from what Route 53 and RDS show, and the lock stays held until done.
 */
export const REAPER_WAIT_BUDGET_MS = 200_000;

/** What the reaper did. */
export type ReapResult =
  | { readonly action: 'ignored'; readonly reason: string }
  | { readonly action: 'reaped'; readonly runId: string; readonly staging: 'rolled-back' | 'candidate-discarded' | 'kept-committed'; readonly next?: TriggerResult; readonly metrics: readonly MetricDatum[] };

/**
 * Settles one TIMED_OUT or ABORTED execution: staging put back (from whatever the swap reached, read
 * back from Route 53 or RDS since the execution's state is lost), the candidate removed, the lock
 * released (starting a refresh queued meanwhile) and RefreshFailed recorded. Anything else is ignored.
 */
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
  // The database first: a rollback that cannot happen (it throws) must not leave staging's secrets on
  // passwords its database no longer has. Applications may fail to log in for the seconds in between.
  // A run that committed before it stopped (publish hung, say) refreshed staging for good: keep it, and its secrets.
  const committed = await committedBy(candidate, input.runId, deps);
  const staging = committed ? 'kept-committed' : await settleCandidate(candidate, input.runId, deps);
  const secrets = committed ? '' : await restoreRoleSecrets(input.runId, deps);
  const released = await deps.lock.release(input.runId);
  const next = released.pendingDeployId
    ? await startOrQueue({ deployId: released.pendingDeployId, description: `deploy ${released.pendingDeployId} (queued during run ${input.runId})` }, deps)
    : undefined;
  const recorder = new MetricsRecorder(deps.dimensions);
  recorder.add(METRIC.RefreshFailed, 1, 'Count');
  // Nothing resumes on a candidate the reaper removed: say how a run starts again (as settle-time remarks do).
  const again = staging === 'kept-committed' ? '' : `; the next release, or ${AWS_RERUN}, starts again from a fresh snapshot`;
  deps.log.error(`run ${input.runId} ${parsed.data.detail.status}: staging ${staging}${secrets}, lock released${again}`, { runId: input.runId });
  return { action: 'reaped', runId: input.runId, staging, ...(next ? { next } : {}), metrics: recorder.all() };
}

/** Whether this run's database is staging and was committed ({@link COMMITTED_TAG} beside this run's id tag). */
async function committedBy(candidate: DatabaseRef, runId: string, deps: ReaperDeps): Promise<boolean> {
  const found = deps.swap.mode === 'dns' ? await deps.database.describeForSwap(candidate.id) : await deps.database.describeForRename(deps.swap.stagingIdentifier);
  const tags = found?.tags ?? [];
  return tags.some((tag) => tag.Key === COMMITTED_TAG) && tags.some((tag) => tag.Key === TAGS.runId && tag.Value === runId);
}

/** Puts staging back from whatever the swap reached (read back, since the execution's state is lost), else removes the candidate. */
async function settleCandidate(candidate: DatabaseRef, runId: string, deps: ReaperDeps): Promise<'rolled-back' | 'candidate-discarded'> {
  const promotion = deps.swap.mode === 'dns'
    ? await observedDnsPromotion(candidate, deps.swap.record, deps)
    : await observedRenamePromotion(deps.database, { candidateId: candidate.id, stagingId: deps.swap.stagingIdentifier, runId, databaseName: deps.databaseName });
  if (!promotion) {
    await deps.database.discard(candidate);
    return 'candidate-discarded';
  }
  // A rollback reports pending until Route 53 applied the change or RDS finished a rename; the candidate goes last.
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const budgetMs = deps.waitBudgetMs ?? REAPER_WAIT_BUDGET_MS;
  let waitedMs = 0;
  let progress = await deps.database.rollback(promotion);
  while (progress.state === 'pending' && waitedMs + progress.retryAfterMs <= budgetMs) {
    await sleep(progress.retryAfterMs);
    waitedMs += progress.retryAfterMs;
    progress = await deps.database.rollback(progress.value);
  }
  if (progress.state === 'pending') {
    throw new EnvironmentError(`rolling staging back for run ${runId} is still waiting after ${waitedMs} ms (${progress.detail ?? 'pending'}); the retried invocation resumes from what ${deps.swap.mode === 'dns' ? 'Route 53' : 'RDS'} shows`);
  }
  return 'rolled-back';
}

/** Each configured role's secret back to how it was before the run (the run's version found by its derived id). */
async function restoreRoleSecrets(runId: string, deps: ReaperDeps): Promise<string> {
  const roles = deps.roles ?? [];
  if (roles.length === 0 || !deps.roleSecrets) return '';
  const done: string[] = [];
  for (const role of roles) {
    const outcome = await deps.roleSecrets.restoreUnrecorded(role.secretArn, stagedVersionId(runId, role.secretArn));
    if (outcome !== 'untouched') done.push(`${role.name}: ${outcome}`);
  }
  return done.length > 0 ? `, role secrets put back (${done.join(', ')})` : '';
}

/** The promotion to roll back when the record names this run's candidate (the tag it carries names what it replaced). */
async function observedDnsPromotion(candidate: DatabaseRef, record: DnsRecord, deps: ReaperDeps): Promise<Promotion | undefined> {
  const found = await deps.database.describeForSwap(candidate.id);
  const target = found ? await currentTarget(deps.clients.route53, record) : undefined;
  if (!found || target !== found.host) return undefined;
  const replaced = found.tags.find((tag) => tag.Key === REPLACES_TAG)?.Value;
  return { staging: candidate, ...(replaced && replaced !== '-' ? { previous: { id: replaced, database: deps.databaseName } } : {}) };
}

function ignore(deps: ReaperDeps, reason: string): ReapResult {
  deps.log.warn(`reaper: ${reason}`);
  return { action: 'ignored', reason };
}
