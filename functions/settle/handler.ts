import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Execution } from '../../shared/aws/execution';
import { settleExecution } from '../../shared/aws/settle';
import { PHASE_PLAN } from '../../shared/pipeline/phase-plan';
import { powertoolsRunLog } from '../common/log';
import { lazyRuntime, type RuntimeFactory } from '../common/phase-handler';
import { awsPhaseRuntime } from '../common/phase-runtime';

/**
 * The settle state: rolls staging back (a failed run) or commits it (a passed run) with the local
 * runner's rules, calling the `undo` / `commit` of the phase table's rows. It needs the whole plan,
 * never the phases' implementations (PHASE_PLAN, not PHASE_TABLE), so no phase's dependencies are bundled.
 */
export function createSettleHandler(factory: RuntimeFactory = awsPhaseRuntime) {
  const logger = new Logger({ serviceName: 'rehearsal-settle' });
  const runtime = lazyRuntime(factory, powertoolsRunLog(logger));
  return middy(async (event: unknown): Promise<Execution> => settleExecution(PHASE_PLAN, event, await runtime())).use(injectLambdaContext(logger));
}

export const handler = createSettleHandler();
