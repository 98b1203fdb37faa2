import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import type { Config } from '../../shared/config/schema';
import { guarded } from '../../shared/aws/production-guard';
import { awsDeployment, protectedResources } from '../../shared/aws/resources';
import { RunLock } from '../../shared/aws/run-lock';
import { stateMachineStarter } from '../../shared/aws/start-run';
import type { StartRun } from '../../shared/aws/trigger';
import { baseEnvSchema, loadBundledConfig, readEnv } from './env';

const controlEnvSchema = baseEnvSchema.extend({
  RUN_LOCK_TABLE: z.string().min(1),
  STATE_MACHINE_ARN: z.string().regex(/^arn:aws[a-z-]*:states:/, 'expected a state machine ARN'),
  /** How long a run may hold the lock: the state machine's own timeout. */
  RUN_TIMEOUT_MS: z.coerce.number().int().positive(),
});

/** What the trigger and finish functions share: the config, the lock and a way to start runs. */
export interface ControlRuntime {
  readonly config: Config;
  readonly lock: RunLock;
  readonly startRun: StartRun;
  readonly lockForMs: number;
}

/** Builds the control runtime once per cold start; both clients carry the production guard. */
export function awsControlRuntime(env: NodeJS.ProcessEnv = process.env): ControlRuntime {
  const vars = readEnv(controlEnvSchema, env);
  const config = loadBundledConfig(vars.LAMBDA_TASK_ROOT);
  const resources = protectedResources(awsDeployment(config));
  const dynamo = guarded(new DynamoDBClient({ region: vars.AWS_REGION, maxAttempts: 6, retryMode: 'adaptive' }), resources);
  const sfn = guarded(new SFNClient({ region: vars.AWS_REGION, maxAttempts: 6, retryMode: 'adaptive' }), resources);
  return {
    config,
    lock: new RunLock(dynamo, vars.RUN_LOCK_TABLE),
    startRun: stateMachineStarter(sfn, vars.STATE_MACHINE_ARN),
    lockForMs: vars.RUN_TIMEOUT_MS,
  };
}
