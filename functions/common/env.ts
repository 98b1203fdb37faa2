import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { BUNDLED_CONFIG_FILE } from '../../shared/aws/bundled-config';
import { issuesToProblems } from '../../shared/config/problems';
import { configSchema, type Config } from '../../shared/config/schema';
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

/** Reads and validates the config bundled with the function. */
export function loadBundledConfig(taskRoot: string): Config {
  const file = path.join(taskRoot, BUNDLED_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError([{ path: '', file, message: `the bundled config is missing (${(cause as NodeJS.ErrnoException).code ?? 'error'}); redeploy with npx cdk deploy` }], { cause });
  }
  const parsed = configSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new ConfigError(issuesToProblems(parsed.error.issues, { file }));
  return parsed.data;
}
