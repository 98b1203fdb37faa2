import { randomUUID } from 'node:crypto';
import type { AwsConfig } from './config-schema';
import { parseDeployEvent, type DeployTrigger } from './deploy-events';
import type { RunLock } from './run-lock';
import { EnvironmentError } from '../errors';
import type { RunLog } from '../pipeline/log';

/** What the trigger did with one event. */
export type TriggerResult =
  | { readonly action: 'rejected'; readonly reason: string }
  | { readonly action: 'duplicate'; readonly deployId: string }
  | { readonly action: 'queued'; readonly deployId: string }
  | { readonly action: 'started'; readonly deployId: string; readonly runId: string; readonly executionArn: string };

/** Starts one state machine execution; `false` when an execution for this deploy already exists. */
export type StartRun = (run: { runId: string; deployId: string; description: string }) => Promise<string | false>;

/** What {@link handleDeployEvent} needs, injected. */
export interface TriggerDeps {
  readonly triggers: AwsConfig['triggers'];
  readonly lock: RunLock;
  readonly startRun: StartRun;
  readonly log: RunLog;
  /** How long a run may hold the lock (the state machine's timeout). */
  readonly lockForMs: number;
  readonly newRunId?: () => string;
}

/** Attempts at the acquire / queue pair when the lock is released between them. */
const MAX_LOCK_ATTEMPTS = 3;

/**
 * Turns one event into at most one refresh: rejects unrelated or malformed events (logged with the
 * reason), drops redeliveries, starts a run when none is going, and otherwise queues the deploy as the
 * one pending refresh.
 */
export async function handleDeployEvent(event: unknown, deps: TriggerDeps): Promise<TriggerResult> {
  const verdict = parseDeployEvent(event, deps.triggers);
  if (!verdict.accepted) {
    deps.log.warn(`event rejected: ${verdict.reason}`);
    return { action: 'rejected', reason: verdict.reason };
  }
  const { trigger } = verdict;
  if (!(await deps.lock.claimDeploy(trigger.deployId))) {
    deps.log.info(`deploy ${trigger.deployId} was already received: nothing started`, { deployId: trigger.deployId });
    return { action: 'duplicate', deployId: trigger.deployId };
  }
  return startOrQueue(trigger, deps);
}

/** Takes the lock and starts a run, or queues the deploy behind the run holding the lock. */
export async function startOrQueue(trigger: Pick<DeployTrigger, 'deployId' | 'description'>, deps: Omit<TriggerDeps, 'triggers'>): Promise<TriggerResult> {
  for (let attempt = 1; attempt <= MAX_LOCK_ATTEMPTS; attempt += 1) {
    const runId = (deps.newRunId ?? randomUUID)();
    if (await deps.lock.acquire(runId, trigger.deployId, deps.lockForMs)) {
      let executionArn: string | false;
      try {
        executionArn = await deps.startRun({ runId, deployId: trigger.deployId, description: trigger.description });
      } catch (error) {
        await deps.lock.release(runId);
        throw error;
      }
      if (executionArn === false) {
        await deps.lock.release(runId);
        deps.log.info(`an execution for deploy ${trigger.deployId} already exists: nothing started`, { deployId: trigger.deployId });
        return { action: 'duplicate', deployId: trigger.deployId };
      }
      deps.log.info(`refresh started for ${trigger.description}`, { deployId: trigger.deployId, runId });
      return { action: 'started', deployId: trigger.deployId, runId, executionArn };
    }
    if (await deps.lock.queuePending(trigger.deployId)) {
      deps.log.info(`a refresh is running: ${trigger.description} will run after it`, { deployId: trigger.deployId });
      return { action: 'queued', deployId: trigger.deployId };
    }
  }
  throw new EnvironmentError(`the run lock changed hands ${MAX_LOCK_ATTEMPTS} times while handling deploy ${trigger.deployId}; retry`);
}
