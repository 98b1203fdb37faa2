import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { s3PhaseRecordStore, type PhaseRecordStore } from '../../shared/aws/phase-records';
import { guarded } from '../../shared/aws/production-guard';
import { awsDeployment, protectedResources } from '../../shared/aws/resources';
import { baseEnvSchema, loadBundledConfig, readEnv } from './env';

const bucketEnvSchema = z.object({
  /** Set by the pipeline construct on every phase function when the stack has a reports bucket. */
  REPORTS_BUCKET: z.string().min(3).optional(),
});

/**
 * The phase record store of a phase function, built on first use (once per container), its S3 client
 * carrying the production guard like every other client. Undefined when the function was deployed
 * without a reports bucket (the pipeline's `reportsBucket` is optional): reports then stay in /tmp.
 */
export function lazyPhaseRecordStore(env: NodeJS.ProcessEnv = process.env): () => PhaseRecordStore | undefined {
  let built: { store: PhaseRecordStore | undefined } | undefined;
  return () => {
    if (!built) {
      const { REPORTS_BUCKET } = readEnv(bucketEnvSchema, env);
      if (!REPORTS_BUCKET) built = { store: undefined };
      else {
        const { AWS_REGION, LAMBDA_TASK_ROOT } = readEnv(baseEnvSchema, env);
        const resources = protectedResources(awsDeployment(loadBundledConfig(LAMBDA_TASK_ROOT)));
        built = { store: s3PhaseRecordStore(guarded(new S3Client({ region: AWS_REGION }), resources), REPORTS_BUCKET) };
      }
    }
    return built.store;
  };
}
