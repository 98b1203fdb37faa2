import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { s3LoadResultStore, type LoadResultStore } from '../../shared/aws/load-results';
import { guarded } from '../../shared/aws/production-guard';
import { awsDeployment, protectedResources } from '../../shared/aws/resources';
import { baseEnvSchema, loadBundledConfig, readEnv } from './env';

const loadResultsEnvSchema = baseEnvSchema.extend({ LOAD_RESULTS_BUCKET: z.string().min(3) });

/**
 * The load results bucket of the load worker and merge functions, built on first use (once per
 * container), its S3 client carrying the production guard like every other client: a function
 * deployed without LOAD_RESULTS_BUCKET fails with a ConfigError naming it.
 */
export function lazyLoadResultStore(env: NodeJS.ProcessEnv = process.env): () => LoadResultStore {
  let store: LoadResultStore | undefined;
  return () => {
    if (!store) {
      const { AWS_REGION, LAMBDA_TASK_ROOT, LOAD_RESULTS_BUCKET } = readEnv(loadResultsEnvSchema, env);
      const resources = protectedResources(awsDeployment(loadBundledConfig(LAMBDA_TASK_ROOT)));
      store = s3LoadResultStore(guarded(new S3Client({ region: AWS_REGION, maxAttempts: 6, retryMode: 'adaptive' }), resources), LOAD_RESULTS_BUCKET);
    }
    return store;
  };
}
