import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, Map as MapState, TaskInput, type State } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { MAX_MAP_WORKERS } from '../../shared/aws/load-plan-schema';

/** The functions of the load phase's fan-out (its plan step is the load phase's own function). */
export interface LoadFanOutFunctions {
  readonly worker: IFunction;
  readonly merge: IFunction;
}

/** Where the plan step leaves the fan-out in the execution document (see `loadPlanSchema`). */
export const LOAD_PLAN_PATH = '$.loadPlan';

/** What the states need from the phase they extend. */
export interface FanOutStatesProps {
  /** `Load`: the state name of the load phase's task. */
  readonly name: string;
  readonly functions: LoadFanOutFunctions;
  /** The phase's `Failed` state: a failed worker or merge fails the phase as a failed phase Lambda does. */
  readonly failed: State;
  /** The phase's `Done?` choice: the merge returns the same document the phase Lambda does. */
  readonly done: State;
  readonly serviceRetry: { readonly errors: string[]; readonly maxAttempts: number; readonly interval: Duration; readonly backoffRate: number };
}

/**
 * The states between the load phase's plan step and its `Done?` choice:
 * `<Name> Fan Out?` (a plan present?) → `<Name> Workers` (Map: one worker Lambda per slice, all at once,
 * each returning the S3 key of its result) → `<Name> Merge` (reads and merges them exactly) →
 * `<Name> Next Step?`: in stress mode, while a rate held, the merge plans the next rate and this choice
 * sends it back to the Map state; otherwise on to Done?. Without a plan (phase skipped) the first
 * choice goes straight to Done?. The loop is bounded: the rates end at `load.stress.maxRate`.
 */
export function loadFanOutStates(scope: Construct, props: FanOutStatesProps): State {
  const { name, functions, failed, done, serviceRetry } = props;
  const worker = new LambdaInvoke(scope, `${name} Worker`, {
    lambdaFunction: functions.worker,
    comment: 'Run one slice of the arrivals against the staging bot; write the encoded histograms to S3.',
    payload: TaskInput.fromJsonPathAt('$'),
    outputPath: '$.Payload',
    retryOnServiceExceptions: false,
  });
  worker.addRetry(serviceRetry);
  const workers = new MapState(scope, `${name} Workers`, {
    comment: 'Fan the load out: every slice at once, so together they keep the single run\'s arrival schedule.',
    itemsPath: `${LOAD_PLAN_PATH}.items`,
    itemSelector: {
      'runId.$': `${LOAD_PLAN_PATH}.runId`,
      'target.$': `${LOAD_PLAN_PATH}.target`,
      'convos.$': `${LOAD_PLAN_PATH}.convos`,
      'slice.$': '$$.Map.Item.Value.slice',
      'resultKey.$': '$$.Map.Item.Value.resultKey',
    },
    maxConcurrency: MAX_MAP_WORKERS,
    resultPath: `${LOAD_PLAN_PATH}.results`,
  });
  workers.itemProcessor(worker);
  workers.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.failure' });

  const merge = new LambdaInvoke(scope, `${name} Merge`, {
    lambdaFunction: functions.merge,
    comment: 'Merge the workers\' histograms exactly, check the thresholds, record the phase\'s result.',
    payload: TaskInput.fromObject({ 'execution.$': '$', 'retryCount.$': '$$.State.RetryCount' }),
    outputPath: '$.Payload',
    retryOnServiceExceptions: false,
  });
  // Reading results from S3 may hiccup; the workers' traffic is not sent again.
  merge.addRetry({ errors: ['EnvironmentError'], maxAttempts: 3, interval: Duration.seconds(5), backoffRate: 2 });
  merge.addRetry(serviceRetry);
  merge.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.failure' });
  workers.next(merge);
  merge.next(new Choice(scope, `${name} Next Step?`)
    .when(Condition.isPresent(LOAD_PLAN_PATH), workers)
    .otherwise(done));

  return new Choice(scope, `${name} Fan Out?`)
    .when(Condition.isPresent(LOAD_PLAN_PATH), workers)
    .otherwise(done);
}
