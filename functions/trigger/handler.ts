import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { handleDeployEvent, type TriggerResult } from '../../shared/aws/trigger';
import { awsControlRuntime, type ControlRuntime } from '../common/control-runtime';
import { powertoolsRunLog } from '../common/log';

const logger = new Logger({ serviceName: 'rehearsal-trigger' });
const log = powertoolsRunLog(logger);

/**
 * The EventBridge target: one event in, at most one refresh started. Rejected events (unrelated,
 * malformed, a pipeline not configured) are logged with the reason and return normally: EventBridge
 * must not retry them.
 */
export function createTriggerHandler(runtime: () => ControlRuntime) {
  let built: ControlRuntime | undefined;
  return middy(async (event: unknown): Promise<TriggerResult> => {
    built ??= runtime();
    const aws = built.config.aws;
    if (!aws) throw new TypeError('the bundled config has no aws section');
    return handleDeployEvent(event, { triggers: aws.triggers, lock: built.lock, startRun: built.startRun, lockForMs: built.lockForMs, log });
  }).use(injectLambdaContext(logger));
}

export const handler = createTriggerHandler(() => awsControlRuntime());
