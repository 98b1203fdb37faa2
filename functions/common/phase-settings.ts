import path from 'node:path';
import { z } from 'zod';
import { BASE_DIR_ENV } from '../../shared/aws/bundled-config';
import type { Config } from '../../shared/config/schema';
import { baseEnvSchema, loadBundledConfig, readEnv } from './env';

const phaseEnvSchema = baseEnvSchema.extend({
  /** Set only on the functions that mask or verify: the others never see the key. */
  MASKING_KEY_SECRET_ARN: z.string().min(1).optional(),
  /** Set only on the functions bundled with the config's files (converse, load): where the config's relative paths resolve. */
  [BASE_DIR_ENV]: z.string().min(1).refine((dir) => !path.isAbsolute(dir) && !dir.split('/').includes('..'), 'expected a folder inside the bundle, relative to the task root').optional(),
});

/** Where phases write files (the report) inside a Lambda: the only writable folder. */
export const LAMBDA_OUT_DIR = '/tmp/rehearsal-report';

/** What every phase function reads at cold start, whatever clients it then creates. */
export interface PhaseSettings {
  readonly region: string;
  readonly config: Config;
  readonly baseDir: string;
  readonly outDir: string;
  readonly maskingKeySecretArn?: string;
}

/**
 * Reads a phase function's environment and its bundled config (with the YAML's line map when bundled).
 * Creates no AWS client: each runtime creates only the clients its phases use.
 */
export function readPhaseSettings(env: NodeJS.ProcessEnv = process.env): PhaseSettings {
  const { AWS_REGION, LAMBDA_TASK_ROOT, MASKING_KEY_SECRET_ARN, [BASE_DIR_ENV]: bundledBaseDir } = readEnv(phaseEnvSchema, env);
  return {
    region: AWS_REGION,
    config: loadBundledConfig(LAMBDA_TASK_ROOT),
    baseDir: bundledBaseDir === undefined ? LAMBDA_TASK_ROOT : path.join(LAMBDA_TASK_ROOT, bundledBaseDir),
    outDir: LAMBDA_OUT_DIR,
    ...(MASKING_KEY_SECRET_ARN === undefined ? {} : { maskingKeySecretArn: MASKING_KEY_SECRET_ARN }),
  };
}
