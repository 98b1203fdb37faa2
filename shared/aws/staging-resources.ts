import type { Config } from '../config/schema';
import { stagingResourceQueries, type ResourceQuery } from '../metrics/cloudwatch-resources';
import type { RunState } from '../pipeline/state';
import { awsDeployment, stagingIdentifier } from './resources';

/** Lambda log groups are named `/aws/lambda/<function name>`. */
const LAMBDA_LOG_GROUP = /^\/aws\/lambda\/([A-Za-z0-9_-]+)$/;

/**
 * The CloudWatch metrics of what staging ran on during the checks, for the report's resource charts:
 * the staging database (the promoted candidate when this run swapped one in, else the configured
 * staging identifier; an instance or an Aurora cluster) and the staging bot's Lambda functions when the
 * config names them: those of the `parity.staging.lambdaFunctions` source and the function whose log
 * group `metrics.stagingLog.logGroup` is. Nothing configured gives no Lambda query.
 */
export function stagingMetricQueries(config: Config, state: Pick<RunState, 'promotion'>): ResourceQuery[] {
  const { staging } = awsDeployment(config);
  const db = state.promotion?.staging.id ?? stagingIdentifier(staging);
  const functions = new Set<string>();
  const parityStaging = config.parity?.staging;
  if (parityStaging && 'lambdaFunctions' in parityStaging) for (const name of Object.values(parityStaging.lambdaFunctions)) functions.add(name);
  const stagingLog = config.metrics.stagingLog;
  const fromLog = stagingLog && 'logGroup' in stagingLog ? LAMBDA_LOG_GROUP.exec(stagingLog.logGroup)?.[1] : undefined;
  if (fromLog !== undefined) functions.add(fromLog);
  return [
    ...stagingResourceQueries(staging.provider === 'aurora-cluster' ? { dbClusterId: db } : { dbInstanceId: db }),
    ...[...functions].flatMap((functionName) => stagingResourceQueries({ functionName })),
  ];
}
