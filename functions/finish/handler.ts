import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { finishExecution, type FinishResult } from '../../shared/aws/finish';
import { toEmfLines } from '../../shared/metrics/emf';
import { awsControlRuntime, type ControlRuntime } from '../common/control-runtime';
import { powertoolsRunLog } from '../common/log';

const logger = new Logger({ serviceName: 'rehearsal-finish' });
const log = powertoolsRunLog(logger);

/** The last state of every run: metrics, lock released, the coalesced pending deploy started. */
export function createFinishHandler(runtime: () => ControlRuntime, write: (text: string) => void = (text) => process.stdout.write(text)) {
  let built: ControlRuntime | undefined;
  return middy(async (event: unknown): Promise<FinishResult> => {
    built ??= runtime();
    const { config } = built;
    const { result, metrics } = await finishExecution(event, {
      lock: built.lock, startRun: built.startRun, lockForMs: built.lockForMs, log,
      dimensions: { Environment: config.environment, Bot: config.bot },
    });
    write(toEmfLines(metrics, config.metrics.namespace));
    return result;
  }).use(injectLambdaContext(logger));
}

export const handler = createFinishHandler(() => awsControlRuntime());
