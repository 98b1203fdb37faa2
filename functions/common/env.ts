import { z } from 'zod';
import { readBundledConfig } from '../../shared/aws/bundled-config';
import { issuesToProblems } from '../../shared/config/problems';
import type { Config } from '../../shared/config/schema';
import { ConfigError } from '../../shared/errors';

/**
 * Reads environment variables through a schema once, at cold start. A missing or malformed variable is
 * a {@link ConfigError} naming it: a Lambda deployed without it fails on its first call, loudly.
 */
export function readEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(issuesToProblems(parsed.error.issues, { prefix: ['env'] }));
  return parsed.data;
}

/** Every function's environment. */
export const baseEnvSchema = z.object({
  AWS_REGION: z.string().min(1),
  LAMBDA_TASK_ROOT: z.string().min(1).default(process.cwd()),
});

/**
 * Reads and validates the config bundled with the function (`readBundledConfig`): with the YAML's line
 * map bundled at synth, problems found later name the YAML file's lines.
 */
export function loadBundledConfig(taskRoot: string): Config {
  return readBundledConfig(taskRoot);
}
