import type { Config } from '../config/schema';
import type { ProductionDatabaseConfig, StagingDatabaseConfig } from '../db/config-schema';
import { ConfigError } from '../errors';
import type { AwsConfig } from './config-schema';
import type { ProtectedResources } from './production-guard';

/** The AWS parts of a config, narrowed: an AWS provider for both databases and an `aws` section. */
export interface AwsDeployment {
  readonly aws: AwsConfig;
  readonly production: Exclude<ProductionDatabaseConfig, { provider: 'local' }>;
  readonly staging: Exclude<StagingDatabaseConfig, { provider: 'local' }>;
}

/** Narrows a config to its AWS deployment; throws {@link ConfigError} naming what is missing. */
export function awsDeployment(config: Config): AwsDeployment {
  const { production, staging } = config.databases;
  if (production.provider === 'local' || staging.provider === 'local') {
    throw new ConfigError([{ path: 'databases.production.provider', message: 'the AWS deployment needs provider "rds-instance" or "aurora-cluster" (found "local")' }]);
  }
  if (!config.aws) {
    throw new ConfigError([{ path: 'aws', message: 'the AWS deployment needs an `aws` section: account, region, network (vpcId, subnetIds, availabilityZones, securityGroupIds)' }]);
  }
  return { aws: config.aws, production, staging };
}

/** The identifier of production's instance or cluster. */
export function productionIdentifier(production: AwsDeployment['production']): string {
  return production.provider === 'rds-instance' ? production.instanceIdentifier : production.clusterIdentifier;
}

/** The identifier staging's instance or cluster has before the first refresh (and keeps in rename mode). */
export function stagingIdentifier(staging: AwsDeployment['staging']): string {
  return staging.provider === 'rds-instance' ? staging.instanceIdentifier : staging.clusterIdentifier;
}

/** The ARN of an RDS DB instance (`db`) or cluster (`cluster`). */
export function rdsArn(aws: Pick<AwsConfig, 'account' | 'region'>, kind: 'db' | 'cluster', id: string): string {
  return `arn:aws:rds:${aws.region}:${aws.account}:${kind}:${id.toLowerCase()}`;
}

/** What the production guard protects: production, every identifier listed in `aws.protectedIdentifiers`, and production's listed secrets. */
export function protectedResources(deployment: AwsDeployment): ProtectedResources {
  const { aws, production } = deployment;
  const identifiers = [productionIdentifier(production), ...aws.protectedIdentifiers];
  return {
    identifiers,
    arns: identifiers.flatMap((id) => [rdsArn(aws, 'db', id), rdsArn(aws, 'cluster', id)]),
    allowCloneSource: deployment.staging.provider === 'aurora-cluster' && deployment.staging.method === 'clone',
    secretArns: production.secretArns,
  };
}

/** Tag keys rehearsal puts on what it creates; pruning and clean-up only ever touch resources carrying them. */
export const TAGS = {
  managedBy: 'rehearsal:managed-by',
  bot: 'rehearsal:bot',
  runId: 'rehearsal:run-id',
  role: 'rehearsal:role',
  source: 'rehearsal:source',
} as const;

/** A run-specific RDS identifier: `<prefix>-<suffix>-<first 8 of the run id>`, valid for RDS. */
export function runScopedIdentifier(prefix: string, suffix: string, runId: string): string {
  const run = runId.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8);
  return `${prefix}-${suffix}-${run}`.toLowerCase().slice(0, 63).replace(/-+$/, '');
}

/** The tags on everything rehearsal creates: the team's own tags, then rehearsal's (which win). */
export function rehearsalTags(
  own: Readonly<Record<string, string>>,
  run: { bot: string; runId: string; role: 'snapshot' | 'candidate'; source: string },
): { Key: string; Value: string }[] {
  const ours: Record<string, string> = {
    [TAGS.managedBy]: 'rehearsal', [TAGS.bot]: run.bot, [TAGS.runId]: run.runId, [TAGS.role]: run.role, [TAGS.source]: run.source,
  };
  return Object.entries({ ...own, ...ours }).map(([Key, Value]) => ({ Key, Value }));
}
