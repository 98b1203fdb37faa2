import { createDatabaseClients } from '../../shared/aws/clients';
import { awsDatabaseProvider } from '../../shared/aws/database-provider';
import { readMaskingKeySecret } from '../../shared/aws/masking-key-secret';
import type { PhaseRuntime } from '../../shared/aws/phase-step';
import { awsDeployment, protectedResources } from '../../shared/aws/resources';
import type { RunLog } from '../../shared/pipeline/log';
import { readPhaseSettings } from './phase-settings';

export { LAMBDA_OUT_DIR } from './phase-settings';

/**
 * Builds what a database phase (snapshot, restore, anonymize, verify, promote; settle) runs with in
 * Lambda, once per cold start: the bundled config, the RDS, Route 53 and Secrets Manager clients (each
 * with the production guard attached), the database provider over them, and the masking key when this
 * function was given one. The check phases use `awsChecksRuntime`, which creates none of these.
 */
export async function awsPhaseRuntime(log: RunLog, env: NodeJS.ProcessEnv = process.env): Promise<PhaseRuntime> {
  const { region, config, baseDir, outDir, maskingKeySecretArn } = readPhaseSettings(env);
  const clients = createDatabaseClients(region, protectedResources(awsDeployment(config)));
  const maskingKey = maskingKeySecretArn ? await readMaskingKeySecret(clients.secrets, maskingKeySecretArn) : Buffer.alloc(0);
  return { config, baseDir, outDir, providers: { database: awsDatabaseProvider(config, clients) }, maskingKey, log };
}
