import path from 'node:path';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SourceConfig } from '../config-schema';
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

/** Builds the source a config entry describes; file paths resolve against `baseDir`. */
export function sourceFor(config: SourceConfig, baseDir: string, aws: AwsClientFactory): ConfigSource {
  if ('envFile' in config) return envFileSource(path.resolve(baseDir, config.envFile), config.envFile);
  if ('jsonFile' in config) return jsonFileSource(path.resolve(baseDir, config.jsonFile), config.jsonFile);
  if ('ssmPath' in config) return ssmSource(aws.ssm(config.region), config.ssmPath);
  if ('secretsPrefix' in config) return secretsManagerSource(aws.secretsManager(config.region), { prefix: config.secretsPrefix }, { jsonFields: config.jsonFields });
  if ('secretsTag' in config) return secretsManagerSource(aws.secretsManager(config.region), { tag: config.secretsTag }, { jsonFields: config.jsonFields });
  return lambdaEnvSource(aws.lambda(config.region), config.lambdaFunctions);
}
