import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { AwsClientFactory } from './index';

/**
 * The real AWS clients, one per service and region, created on first use: the composition root for the
 * CLI and the local runner. Nothing that tests call creates clients itself.
 */
export function defaultAwsClients(): AwsClientFactory {
  const cache = new Map<string, unknown>();
  const once = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  const regionOption = (region: string | undefined) => (region ? { region } : {});
  return {
    ssm: (region) => once(`ssm:${region ?? ''}`, () => new SSMClient(regionOption(region))),
    secretsManager: (region) => once(`sm:${region ?? ''}`, () => new SecretsManagerClient(regionOption(region))),
    lambda: (region) => once(`lambda:${region ?? ''}`, () => new LambdaClient(regionOption(region))),
  };
}
