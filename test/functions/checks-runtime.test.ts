import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { awsChecksRuntime } from '../../functions/common/checks-runtime';
import { bundledConfigFiles, writeBundledConfig } from '../../infra/pipeline/bundled-config-files';
import { rulesOfConfig } from '../../shared/anonymize/rule-problems';
import { loadConfig } from '../../shared/config/load';
import { EnvironmentError } from '../../shared/errors';
import type { RunLog } from '../../shared/pipeline/log';
import { awsConfigInput } from '../shared/aws/factories';

const secrets = mockClient(SecretsManagerClient);
const silent: RunLog = { info: () => undefined, warn: () => undefined, error: () => undefined, progress: () => undefined };

/** A task root as synth leaves it: the config JSON and its YAML line map. */
async function taskRoot(): Promise<string> {
  const yamlFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'rehearsal-yaml-')), 'rehearsal.config.yaml');
  writeFileSync(yamlFile, stringify(awsConfigInput()));
  const { config } = await loadConfig(yamlFile, {});
  const root = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-task-'));
  for (const { from, to } of bundledConfigFiles(writeBundledConfig(config, yamlFile))) copyFileSync(from, path.join(root, to));
  return root;
}

beforeEach(() => secrets.reset());

describe('awsChecksRuntime (the cold start of reconcile, converse, load, load merge and publish)', () => {
  it('builds the runtime from the bundled config, located in its YAML, with no database provider and no masking key', async () => {
    const root = await taskRoot();

    const runtime = await awsChecksRuntime('Converse')(silent, { AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: root, REHEARSAL_BASE_DIR: 'rehearsal-files/bot', MASKING_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf' });

    expect(runtime.config.bot).toBe('support-bot');
    expect(runtime.baseDir).toBe(path.join(root, 'rehearsal-files', 'bot'));
    expect(runtime.outDir).toBe('/tmp/rehearsal-report');
    expect(runtime.maskingKey.length).toBe(0);
    expect(secrets.calls()).toHaveLength(0);
    expect(rulesOfConfig(runtime.config).file).toBe('rehearsal.config.yaml');
    expect(runtime.providers.database.kind).toBe('none');
  });

  it('answers any database call with an EnvironmentError naming the function, instead of reaching RDS', async () => {
    const { providers: { database } } = await awsChecksRuntime('Publish')(silent, { AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: await taskRoot() });

    const error = await database.connection({ id: 'staging', database: 'support' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toBe('the Publish function has no database provider (connection called): only the snapshot, restore, anonymize, verify, promote and settle functions create one');
    await expect(database.snapshot('run-1')).rejects.toThrow('the Publish function has no database provider (snapshot called)');
  });

  it('names a missing variable', async () => {
    await expect(awsChecksRuntime('Load')(silent, { LAMBDA_TASK_ROOT: await taskRoot() })).rejects.toThrow(/env\.AWS_REGION: /);
  });
});
