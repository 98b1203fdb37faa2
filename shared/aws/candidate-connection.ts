import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ClientConfig } from 'pg';
import { z } from 'zod';
import { EnvironmentError } from '../errors';
import { awsStep } from './aws-errors';

/** Where a managed database is reached, and the ARN of the secret RDS manages for its master user. */
export interface ManagedEndpoint {
  readonly host: string;
  readonly port: number;
  readonly masterSecretArn: string;
}

const masterSecret = z.object({ username: z.string().min(1), password: z.string().min(1) });

/**
 * Connection settings for a candidate or staging database, with the master password read from the
 * secret RDS manages (`ManageMasterUserPassword`). The password lives only in the returned object:
 * never in state, never in a log line. TLS is required (RDS presents Amazon's CA).
 */
export async function managedConnection(secrets: SecretsManagerClient, endpoint: ManagedEndpoint, database: string): Promise<ClientConfig> {
  const value = await awsStep(`reading the master user secret ${endpoint.masterSecretArn}`, () =>
    secrets.send(new GetSecretValueCommand({ SecretId: endpoint.masterSecretArn })));
  const parsed = masterSecret.safeParse(JSON.parse(value.SecretString ?? '{}'));
  if (!parsed.success) throw new EnvironmentError(`secret ${endpoint.masterSecretArn} has no username/password fields (its value is not shown)`);
  return {
    host: endpoint.host,
    port: endpoint.port,
    database,
    user: parsed.data.username,
    password: parsed.data.password,
    ssl: { rejectUnauthorized: true },
  };
}
