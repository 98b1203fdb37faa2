import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { guarded, type ProtectedResources } from './production-guard';

/** The AWS clients the database providers use. Injected: tests pass mocked ones. */
export interface DatabaseClients {
  readonly rds: RDSClient;
  readonly route53: Route53Client;
  readonly secrets: SecretsManagerClient;
}

/** SDK retries for throttling, on top of the phase table's retries (adaptive mode backs off on 429s). */
const RETRY = { maxAttempts: 6, retryMode: 'adaptive' } as const;

/**
 * Creates the database clients, each with the production guard attached. Called once at module scope
 * by a Lambda handler (clients are reused across invocations).
 */
export function createDatabaseClients(region: string, resources: ProtectedResources): DatabaseClients {
  return {
    rds: guarded(new RDSClient({ region, ...RETRY }), resources),
    route53: guarded(new Route53Client({ region, ...RETRY }), resources),
    secrets: guarded(new SecretsManagerClient({ region, ...RETRY }), resources),
  };
}
