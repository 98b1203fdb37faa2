import path from 'node:path';
import { z } from 'zod';
import { BASE_DIR_ENV } from '../../shared/aws/bundled-config';
import { createDatabaseClients } from '../../shared/aws/clients';
import { awsDatabaseProvider } from '../../shared/aws/database-provider';
import { readMaskingKeySecret } from '../../shared/aws/masking-key-secret';
import type { PhaseRuntime } from '../../shared/aws/phase-step';
import { awsDeployment, protectedResources } from '../../shared/aws/resources';
import type { RunLog } from '../../shared/pipeline/log';
import { baseEnvSchema, loadBundledConfig, readEnv } from './env';

const phaseEnvSchema = baseEnvSchema.extend({
  /** Set only on the functions that mask or verify: the others never see the key. */
  MASKING_KEY_SECRET_ARN: z.string().min(1).optional(),
  /** Set only on the functions bundled with the config's files (converse, load): where the config's relative paths resolve. */
  [BASE_DIR_ENV]: z.string().min(1).refine((dir) => !path.isAbsolute(dir) && !dir.split('/').includes('..'), 'expected a folder inside the bundle, relative to the task root').optional(),
});

/** Where phases write files (the report) inside a Lambda: the only writable folder. */
export const LAMBDA_OUT_DIR = '/tmp/rehearsal-report';

/**
 * Builds what a phase runs with in Lambda, once per cold start: the bundled config, the AWS clients
 * (each with the production guard attached), the database provider, and the masking key when this
 * function was given one.
 */
export async function awsPhaseRuntime(log: RunLog, env: NodeJS.ProcessEnv = process.env): Promise<PhaseRuntime> {
  const { AWS_REGION, LAMBDA_TASK_ROOT, MASKING_KEY_SECRET_ARN, [BASE_DIR_ENV]: bundledBaseDir } = readEnv(phaseEnvSchema, env);
  const config = loadBundledConfig(LAMBDA_TASK_ROOT);
  const clients = createDatabaseClients(AWS_REGION, protectedResources(awsDeployment(config)));
  const maskingKey = MASKING_KEY_SECRET_ARN ? await readMaskingKeySecret(clients.secrets, MASKING_KEY_SECRET_ARN) : Buffer.alloc(0);
  return {
    config,
    baseDir: bundledBaseDir === undefined ? LAMBDA_TASK_ROOT : path.join(LAMBDA_TASK_ROOT, bundledBaseDir),
    outDir: LAMBDA_OUT_DIR,
    providers: { database: awsDatabaseProvider(config, clients) },
    maskingKey,
    log,
  };
}
