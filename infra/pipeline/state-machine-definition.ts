import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import {
  Choice, Condition, Fail, Pass, Result, Succeed, TaskInput, Wait, WaitTime, type IChainable, type State,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, SnsPublish } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { PhaseDefinition } from '../../shared/pipeline/phase';
import type { PhaseName } from '../../shared/pipeline/report';
import { loadFanOutStates, type LoadFanOutFunctions } from './load-fan-out-states';

/**
 * The most calls of one phase the state machine makes before failing it. The phase's own `timeoutMs`
 * (enforced by the phase Lambda, as the local runner does) normally ends a pending loop first; this
 * bounds the execution history (25,000 events for a Standard workflow) whatever a phase returns.
 */
export const MAX_POLLS_PER_PHASE = 250;

/** Errors the Lambda service itself throws: always worth retrying, independent of the phase table. */
export const LAMBDA_SERVICE_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

/** Settle and finish retry environment errors longer than a phase: staging must end up settled. */
const SETTLE_RETRY = { errors: ['EnvironmentError'], maxAttempts: 6, interval: Duration.seconds(30), backoffRate: 2 };

const SERVICE_RETRY = { errors: LAMBDA_SERVICE_ERRORS, maxAttempts: 6, interval: Duration.seconds(2), backoffRate: 2 };

/** The functions the definition invokes. */
export interface DefinitionFunctions {
  readonly phases: Readonly<Record<PhaseName, IFunction>>;
  readonly settle: IFunction;
  readonly finish: IFunction;
  /** The load phase's fan-out over worker Lambdas. @default the load phase runs in its one Lambda */
  readonly loadFanOut?: LoadFanOutFunctions;
}

/** `snapshot` → `Snapshot`: the state name of a phase's task. */
export function stateNameOf(phase: PhaseName): string {
  return phase.charAt(0).toUpperCase() + phase.slice(1);
}

/**
 * Builds the state machine from the phase table, row by row, with the local runner's semantics:
 * - each phase is a Lambda task whose Retry is the row's retry policy (error names, attempts, interval,
 *   backoff) and whose Catch records the failure;
 * - a `pending` outcome loops Wait → invoke again → Choice, counted and bounded;
 * - a failure of an `onFailure: stop` phase skips to Settle; `continue` goes on to the next phase;
 * - Settle (undo or commit) runs before the first `final` phase (looping Wait → Settle while a step is pending), then the final phases, then Finish
 *   (metrics, lock release, pending deploy); a failed run notifies on-call and ends in Fail;
 * - given `loadFanOut`, the load phase's task plans and a Map state fans the load out over worker
 *   Lambdas before its Done? choice (see `loadFanOutStates`).
 */
export function buildDefinition(scope: Construct, table: readonly PhaseDefinition[], fns: DefinitionFunctions, onCallTopic?: ITopic): IChainable {
  const finalFrom = table.findIndex((phase) => phase.final);
  const checks = finalFrom === -1 ? table : table.slice(0, finalFrom);
  const finals = finalFrom === -1 ? [] : table.slice(finalFrom);

  const finishChain = finishStates(scope, fns.finish, onCallTopic);
  // Build back to front: each phase needs the state that follows it.
  let next: State = finishChain;
  for (const phase of [...finals].reverse()) next = phaseStates(scope, phase, fns.phases[phase.name], next, next);
  const settle = settleState(scope, fns.settle, next);
  next = settle;
  for (const phase of [...checks].reverse()) next = phaseStates(scope, phase, fns.phases[phase.name], next, settle, phase.name === 'load' ? fns.loadFanOut : undefined);
  return next;
}

/** The task of one phase with its Retry/Catch from the table, its pending loop and its exits. */
function phaseStates(scope: Construct, phase: PhaseDefinition, fn: IFunction, next: State, onStop: State, fanOut?: LoadFanOutFunctions): State {
  const name = stateNameOf(phase.name);
  const task = new LambdaInvoke(scope, name, {
    lambdaFunction: fn,
    comment: phase.description,
    payload: TaskInput.fromObject({ 'execution.$': '$', 'retryCount.$': '$$.State.RetryCount' }),
    outputPath: '$.Payload',
    retryOnServiceExceptions: false,
  });
  if (phase.retry.errors.length > 0 && phase.retry.maxAttempts > 1) {
    task.addRetry({
      errors: [...phase.retry.errors],
      // The table counts attempts; Step Functions counts retries after the first attempt.
      maxAttempts: phase.retry.maxAttempts - 1,
      interval: Duration.seconds(Math.max(1, Math.round(phase.retry.intervalMs / 1000))),
      backoffRate: phase.retry.backoffRate,
    });
  }
  task.addRetry({ errors: LAMBDA_SERVICE_ERRORS, maxAttempts: 6, interval: Duration.seconds(2), backoffRate: 2 });
  const exit = phase.onFailure === 'stop' ? onStop : next;
  const failed = new Pass(scope, `${name} Failed`, { result: Result.fromObject({ phase: phase.name }), resultPath: '$.failedPhase' });
  failed.next(exit);
  task.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.failure' });

  const wait = new Wait(scope, `${name} Wait`, { time: WaitTime.secondsPath('$.step.retryAfterSeconds') });
  wait.next(task);
  const timedOut = new Pass(scope, `${name} Timed Out`, {
    result: Result.fromObject({ phase: phase.name, reason: `still pending after ${MAX_POLLS_PER_PHASE} calls` }),
    resultPath: '$.failedPhase',
  });
  timedOut.next(exit);
  const done = new Choice(scope, `${name} Done?`)
    .when(Condition.and(Condition.stringEquals('$.step.status', 'pending'), Condition.numberLessThan('$.clock.polls', MAX_POLLS_PER_PHASE)), wait)
    .when(Condition.stringEquals('$.step.status', 'pending'), timedOut);
  if (phase.onFailure === 'stop') done.when(Condition.stringEquals('$.step.status', 'failed'), onStop);
  done.otherwise(next);
  task.next(fanOut ? loadFanOutStates(scope, { name, functions: fanOut, failed, done, serviceRetry: SERVICE_RETRY }) : done);
  return task;
}

/** A step that must run whatever happened (settle, finish): the whole document in, retried on transient faults. */
function controlStep(scope: Construct, id: string, fn: IFunction, comment: string): LambdaInvoke {
  const step = new LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    comment,
    payload: TaskInput.fromJsonPathAt('$'),
    outputPath: '$.Payload',
    retryOnServiceExceptions: false,
  });
  step.addRetry(SETTLE_RETRY);
  step.addRetry({ errors: LAMBDA_SERVICE_ERRORS, maxAttempts: 6, interval: Duration.seconds(2), backoffRate: 2 });
  return step;
}

/**
 * Settle, and its own pending loop: an undo or commit step that must wait (a database renamed back)
 * returns `step: pending`; the loop waits and calls Settle again, bounded like a phase's.
 */
function settleState(scope: Construct, fn: IFunction, next: State): State {
  const settle = controlStep(scope, 'Settle', fn, 'Roll staging back (something failed) or commit it (all passed), as the local runner does.');
  settle.addCatch(next, { errors: ['States.ALL'], resultPath: '$.settleFailure' });
  const wait = new Wait(scope, 'Settle Wait', { time: WaitTime.secondsPath('$.step.retryAfterSeconds') });
  wait.next(settle);
  const timedOut = new Pass(scope, 'Settle Timed Out', {
    result: Result.fromObject({ Error: 'SettleTimedOut', Cause: `an undo or commit step was still waiting after ${MAX_POLLS_PER_PHASE} calls` }),
    resultPath: '$.settleFailure',
  });
  timedOut.next(next);
  settle.next(new Choice(scope, 'Settle Done?')
    .when(Condition.and(Condition.stringEquals('$.step.status', 'pending'), Condition.numberLessThan('$.settlePolls', MAX_POLLS_PER_PHASE)), wait)
    .when(Condition.stringEquals('$.step.status', 'pending'), timedOut)
    .otherwise(next));
  return settle;
}

function finishStates(scope: Construct, fn: IFunction, onCallTopic?: ITopic): State {
  const failedEnd = new Fail(scope, 'Refresh Failed', { error: 'RefreshFailed', causePath: '$.summary' });
  const brokenEnd = new Fail(scope, 'Finish Broke', { error: 'FinishFailed', cause: 'the finish step failed: the lock frees itself when the run timeout passes' });
  let onFailure: State = failedEnd;
  let onBroken: State = brokenEnd;
  if (onCallTopic) {
    const notify = new SnsPublish(scope, 'Notify On-Call', {
      topic: onCallTopic, subject: 'rehearsal: staging refresh failed', message: TaskInput.fromJsonPathAt('$.summary'), resultPath: '$.notified',
    });
    notify.addCatch(failedEnd, { errors: ['States.ALL'], resultPath: '$.notifyFailure' });
    notify.next(failedEnd);
    onFailure = notify;
    const notifyBroken = new SnsPublish(scope, 'Notify On-Call Finish Broke', {
      topic: onCallTopic, subject: 'rehearsal: a refresh could not finish', message: TaskInput.fromText('the finish step of a rehearsal run failed; see the execution history'), resultPath: '$.notified',
    });
    notifyBroken.addCatch(brokenEnd, { errors: ['States.ALL'], resultPath: '$.notifyFailure' });
    notifyBroken.next(brokenEnd);
    onBroken = notifyBroken;
  }
  const finish = controlStep(scope, 'Finish', fn, 'Record the run metrics, release the lock, start the deploy that arrived meanwhile.');
  finish.addCatch(onBroken, { errors: ['States.ALL'], resultPath: '$.finishFailure' });
  finish.next(new Choice(scope, 'Run Passed?')
    .when(Condition.stringEquals('$.status', 'passed'), new Succeed(scope, 'Refreshed'))
    .otherwise(onFailure));
  return finish;
}
