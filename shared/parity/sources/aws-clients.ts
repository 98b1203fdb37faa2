import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { guarded, type ProtectedResources } from '../../aws/production-guard';
import { awsDeployment, protectedResources } from '../../aws/resources';
import type { Config } from '../../config/schema';
import { guardParityClient } from '../client-guard';
import type { ParityConfig } from '../config-schema';
import { productionTargetsOf, type ProductionTargets } from '../production-targets';
import type { AwsClientFactory } from './index';

/** What every parity client is guarded against. */
export interface ParityClientGuards {
  /** The production side of the parity config: writes to it are refused. */
  readonly production: ProductionTargets;
  /** The production databases (when the config has an AWS deployment): a write naming one is refused too. */
  readonly databases?: ProtectedResources;
}

/** The guards for a config: its parity section's production side, and its production databases when it deploys to AWS. */
export function parityClientGuards(parity: Pick<ParityConfig, 'production'>, config: Pick<Config, 'aws' | 'databases'>): ParityClientGuards {
  const { production, staging } = config.databases;
  const onAws = config.aws !== undefined && production.provider !== 'local' && staging.provider !== 'local';
  return { production: productionTargetsOf(parity), ...(onAws ? { databases: protectedResources(awsDeployment(config as Config)) } : {}) };
}

/**
 * The real AWS clients for parity, one per service and region, created on first use, each with the
 * parity guard (and the database guard when given) attached before it is handed out. Only composition
 * roots call this (the `parity` command, the reconcile Lambda); shared code and tests get clients injected.
 */
export function guardedAwsClients(guards: ParityClientGuards): AwsClientFactory {
  const cache = new Map<string, unknown>();
  const once = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  const regionOption = (region: string | undefined) => (region ? { region } : {});
  return {
    ssm: (region) => once(`ssm:${region ?? ''}`, () => {
      const client = guardParityClient(new SSMClient(regionOption(region)), 'ssm', guards.production);
      return guards.databases ? guarded(client, guards.databases) : client;
    }),
    secretsManager: (region) => once(`sm:${region ?? ''}`, () => {
      const client = guardParityClient(new SecretsManagerClient(regionOption(region)), 'secretsManager', guards.production);
      return guards.databases ? guarded(client, guards.databases) : client;
    }),
    lambda: (region) => once(`lambda:${region ?? ''}`, () => {
      const client = guardParityClient(new LambdaClient(regionOption(region)), 'lambda', guards.production);
      return guards.databases ? guarded(client, guards.databases) : client;
    }),
  };
}
