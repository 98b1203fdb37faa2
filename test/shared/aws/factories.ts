import { parseYamlDocument } from '../../../shared/config/load';
import { configSchema, type Config, type ConfigInput } from '../../../shared/config/schema';
import { stringify } from 'yaml';

/** Not a test: factories shared by the AWS tests. */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`;
export const STAGING_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:support-staging-db-AbCdEf`;

type DatabasesInput = ConfigInput['databases'];

/** The staging entry of an RDS instance config; override any key. */
export function rdsStagingInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provider: 'rds-instance',
    instanceIdentifier: 'support-staging',
    candidatePrefix: 'rehearsal-support',
    databaseName: 'support',
    instanceClass: 'db.t4g.medium',
    subnetGroupName: 'staging-db-private',
    securityGroupIds: ['sg-0a1b2c3d4e5f60789'],
    parameterGroupName: 'staging-postgres16',
    optionGroupName: 'default-postgres-16',
    kmsKeyId: KMS_KEY,
    tags: { team: 'support' },
    swap: { mode: 'dns', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'db.staging.support.internal', ttlSeconds: 30 },
    secretArn: STAGING_SECRET,
    ...overrides,
  };
}

/** The staging entry of an Aurora cluster config; override any key. */
export function auroraStagingInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { instanceIdentifier: _id, optionGroupName: _og, ...rest } = rdsStagingInput();
  return { ...rest, provider: 'aurora-cluster', clusterIdentifier: 'support-staging', clusterParameterGroupName: 'staging-aurora16', ...overrides };
}

/** The `aws` section; override any key. */
export function awsInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account: ACCOUNT,
    region: REGION,
    network: {
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      securityGroupIds: ['sg-0123456789abcdef0'],
    },
    triggers: { codePipelines: ['support-bot-release'], codeDeploy: [{ application: 'support-bot', deploymentGroup: 'production' }], customEvents: true },
    protectedIdentifiers: ['support-prod-replica'],
    ...overrides,
  };
}

/** A whole config document for AWS as plain data. */
export function awsConfigInput(options: { databases?: DatabasesInput; aws?: Record<string, unknown> | undefined } = {}): Record<string, unknown> {
  return {
    bot: 'support-bot',
    databases: options.databases ?? { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod' }, staging: rdsStagingInput() },
    anonymize: { tables: { 'public.users': { columns: { id: 'keep', email: 'email' } } } },
    ...(options.aws === undefined && 'aws' in options ? {} : { aws: options.aws ?? awsInput() }),
  };
}

/** Parses a config document the way the CLI and the CDK app do (through YAML, with line numbers). */
export function parseConfig(input: Record<string, unknown>): Config {
  return parseYamlDocument(stringify(input), configSchema);
}

/** An Aurora config (snapshot method unless overridden). */
export function auroraConfig(stagingOverrides: Record<string, unknown> = {}): Config {
  return parseConfig(awsConfigInput({
    databases: { production: { provider: 'aurora-cluster', clusterIdentifier: 'support-prod' }, staging: auroraStagingInput(stagingOverrides) } as DatabasesInput,
  }));
}

/** An RDS instance config. */
export function rdsConfig(stagingOverrides: Record<string, unknown> = {}): Config {
  return parseConfig(awsConfigInput({
    databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod' }, staging: rdsStagingInput(stagingOverrides) } as DatabasesInput,
  }));
}

/** An EventBridge event as delivered; override any field. */
export function makeDeployEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0', id: 'e0f1a2b3-0000-4000-8000-000000000001', 'detail-type': 'CodePipeline Pipeline Execution State Change',
    source: 'aws.codepipeline', account: '123456789012', time: '2026-11-26T08:00:00Z', region: 'eu-west-1', resources: [],
    detail: { pipeline: 'support-bot-release', 'execution-id': 'exec-42', state: 'SUCCEEDED' },
    ...overrides,
  };
}

/** An RDS instance config with a parity section reading SSM (production) and Secrets Manager (staging). */
export function parityConfig(): Config {
  return parseConfig({
    ...awsConfigInput(),
    parity: {
      production: { ssmPath: '/support-bot/production/' },
      staging: { secretsPrefix: 'support-bot/staging/' },
      policy: { keys: { '*': 'copy' } },
    },
  });
}
