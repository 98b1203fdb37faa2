import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { createDatabaseClients } from '../../shared/aws/clients';
import { awsDatabaseProvider } from '../../shared/aws/database-provider';
import { reapExecution, type ReapResult, type ReaperDeps } from '../../shared/aws/reaper';
import { awsDeployment, protectedResources } from '../../shared/aws/resources';
import { toEmfLines } from '../../shared/metrics/emf';
import { awsControlRuntime } from '../common/control-runtime';
import { powertoolsRunLog } from '../common/log';

const logger = new Logger({ serviceName: 'rehearsal-reaper' });
const log = powertoolsRunLog(logger);

/** Builds the reaper's dependencies once per cold start; every client carries the production guard. */
function awsReaperDeps(env: NodeJS.ProcessEnv = process.env): ReaperDeps & { namespace: string } {
  const control = awsControlRuntime(env);
  const { config } = control;
  const deployment = awsDeployment(config);
  const clients = createDatabaseClients(env['AWS_REGION'] ?? '', protectedResources(deployment));
  if (deployment.staging.swap.mode !== 'dns') throw new TypeError('the reaper needs swap mode dns');
  return {
    database: awsDatabaseProvider(config, clients), clients, record: deployment.staging.swap,
    candidatePrefix: deployment.staging.candidatePrefix, databaseName: deployment.staging.databaseName,
    lock: control.lock, startRun: control.startRun, lockForMs: control.lockForMs, log,
    dimensions: { Environment: config.environment, Bot: config.bot }, namespace: config.metrics.namespace,
  };
}

/** Settles staging for executions that timed out or were stopped before their Finish state. */
export function createReaperHandler(build: () => ReaperDeps & { namespace: string }, write: (text: string) => void = (text) => process.stdout.write(text)) {
  let deps: (ReaperDeps & { namespace: string }) | undefined;
  return middy(async (event: unknown): Promise<ReapResult> => {
    deps ??= build();
    const result = await reapExecution(event, deps);
    if (result.action === 'reaped') write(toEmfLines(result.metrics, deps.namespace));
    return result;
  }).use(injectLambdaContext(logger));
}

export const handler = createReaperHandler(() => awsReaperDeps());
