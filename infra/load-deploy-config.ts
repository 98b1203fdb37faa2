import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateDeployment } from '../shared/aws/deploy-validation';
import type { AwsDeployment } from '../shared/aws/resources';
import { parseYamlDocument } from '../shared/config/load';
import { configSchema, type Config } from '../shared/config/schema';
import { ConfigError } from '../shared/errors';

/**
 * Reads and validates the config the app deploys (synchronously: the CDK app is a plain script).
 * Throws {@link ConfigError} with file:line: path: message for each problem, before any construct exists.
 */
export function loadDeployConfig(file: string, env: NodeJS.ProcessEnv = process.env): { config: Config; deployment: AwsDeployment } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError([{ path: '', file, message: `cannot read the config file (${(cause as NodeJS.ErrnoException).code ?? 'error'}); pass another with -c config=PATH` }], { cause });
  }
  const config = parseYamlDocument(text, configSchema, { file, env });
  return { config, deployment: validateDeployment(config, path.relative(process.cwd(), file) || file) };
}
