import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { createDatabaseClients } from '../../shared/aws/clients';
import { awsDatabaseProvider } from '../../shared/aws/database-provider';
import { reapExecution, type ReapResult, type ReaperDeps } from '../../shared/aws/reaper';
import { awsDeployment, protectedResources, stagingIdentifier } from '../../shared/aws/resources';
import { SwappedAwsProvider } from '../../shared/aws/swapped-provider';
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
  const database = awsDatabaseProvider(config, clients);
  // Both AWS providers are swapped providers: they describe and rename for the rename swap too.
  if (!(database instanceof SwappedAwsProvider)) throw new TypeError(`the reaper needs an AWS database provider (got ${database.kind})`);
  const { swap } = deployment.staging;
  return {
    database, clients,
    swap: swap.mode === 'dns' ? { mode: 'dns', record: swap } : { mode: 'rename', stagingIdentifier: stagingIdentifier(deployment.staging) },
    roles: deployment.staging.roles, roleSecrets: database.roleSecrets,
    candidatePrefix: deployment.staging.candidatePrefix, databaseName: deployment.staging.databaseName,
    lock: control.lock, startRun: control.startRun, lockForMs: control.lockForMs, log,
    dimensions: { Environment: config.environment, Bot: config.bot }, namespace: config.metrics.namespace,
  };
}

/** What the reaper leaves itself after its last wait: releasing the lock, starting a queued run, writing metrics. */
export const REAPER_MARGIN_MS = 45_000;

/**
 * Settles staging for executions that timed out or were stopped before their Finish state. Waits on a
 * rollback (a rename takes minutes) only while the invocation has time left; past that it fails and
 * Lambda's retry of the asynchronous invocation resumes from what RDS and Route 53 show.
 */
export function createReaperHandler(build: () => ReaperDeps & { namespace: string }, write: (text: string) => void = (text) => process.stdout.write(text)) {
  let deps: (ReaperDeps & { namespace: string }) | undefined;
  return middy(async (event: unknown, context: { getRemainingTimeInMillis?: () => number }): Promise<ReapResult> => {
    deps ??= build();
    const remainingMs = context.getRemainingTimeInMillis?.();
    const result = await reapExecution(event, remainingMs === undefined ? deps : { ...deps, waitBudgetMs: Math.max(0, remainingMs - REAPER_MARGIN_MS) });
    if (result.action === 'reaped') write(toEmfLines(result.metrics, deps.namespace));
    return result;
  }).use(injectLambdaContext(logger));
}

export const handler = createReaperHandler(() => awsReaperDeps());
