import path from 'node:path';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { ParityConfig, SourceConfig } from '../config-schema';
import { productionTargetsOf, type ProductionTargets } from '../production-targets';
import { envFileSource } from './env-file';
import { jsonFileSource } from './json-file';
import { lambdaEnvSource } from './lambda-env';
import { secretsManagerSource } from './secrets-manager';
import type { ConfigSource } from './source';
import { ssmSource } from './ssm';

/** Makes AWS clients for a region; injected so tests (and Lambdas with their module-scope clients) choose them. */
export interface AwsClientFactory {
  ssm(region: string | undefined): Pick<SSMClient, 'send'>;
  secretsManager(region: string | undefined): Pick<SecretsManagerClient, 'send'>;
  lambda(region: string | undefined): Pick<LambdaClient, 'send'>;
}

/**
 * Builds the source a config entry describes; file paths resolve against `baseDir`. Every AWS source
 * refuses writes to `production`'s targets, so even the production source itself is read-only.
 */
export function sourceFor(config: SourceConfig, baseDir: string, aws: AwsClientFactory, production: ProductionTargets): ConfigSource {
  if ('envFile' in config) return envFileSource(path.resolve(baseDir, config.envFile), config.envFile);
  if ('jsonFile' in config) return jsonFileSource(path.resolve(baseDir, config.jsonFile), config.jsonFile);
  if ('ssmPath' in config) return ssmSource(aws.ssm(config.region), config.ssmPath, production);
  if ('secretsPrefix' in config) return secretsManagerSource(aws.secretsManager(config.region), { prefix: config.secretsPrefix }, { jsonFields: config.jsonFields, production });
  if ('secretsTag' in config) return secretsManagerSource(aws.secretsManager(config.region), { tag: config.secretsTag }, { jsonFields: config.jsonFields, production });
  return lambdaEnvSource(aws.lambda(config.region), config.lambdaFunctions, production);
}

/** Both sides of a parity section, each guarded against writing to production's targets. */
export function paritySources(parity: Pick<ParityConfig, 'production' | 'staging'>, baseDir: string, aws: AwsClientFactory): { production: ConfigSource; staging: ConfigSource } {
  const targets = productionTargetsOf(parity);
  return { production: sourceFor(parity.production, baseDir, aws, targets), staging: sourceFor(parity.staging, baseDir, aws, targets) };
}
