import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { awsPhaseRuntime } from '../../functions/common/phase-runtime';
import { BUNDLED_CONFIG_FILE } from '../../shared/aws/bundled-config';
import { ConfigError } from '../../shared/errors';
import type { RunLog } from '../../shared/pipeline/log';
import { awsConfigInput, parseConfig } from '../shared/aws/factories';

const secrets = mockClient(SecretsManagerClient);
const silent: RunLog = { info: () => undefined, warn: () => undefined, error: () => undefined, progress: () => undefined };
const KEY_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:masking-key-AbCdEf';

function taskRoot(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-task-'));
  writeFileSync(path.join(root, BUNDLED_CONFIG_FILE), JSON.stringify(parseConfig(awsConfigInput())));
  return root;
}

beforeEach(() => secrets.reset());

describe('awsPhaseRuntime (a phase Lambda cold start)', () => {
  it('builds the AWS provider from the bundled config and reads the masking key from its secret', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: KEY_SECRET }).resolves({ SecretString: 'k'.repeat(32) });

    const runtime = await awsPhaseRuntime(silent, { AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: taskRoot(), MASKING_KEY_SECRET_ARN: KEY_SECRET });

    expect(runtime.providers.database.kind).toBe('rds-instance');
    expect(runtime.maskingKey.equals(Buffer.from('k'.repeat(32)))).toBe(true);
    expect(runtime.outDir).toBe('/tmp/rehearsal-report');
  });

  it('gives the functions without the key variable no key, and never asks for it', async () => {
    const runtime = await awsPhaseRuntime(silent, { AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: taskRoot() });

    expect(runtime.maskingKey.length).toBe(0);
    expect(secrets.calls()).toHaveLength(0);
  });

  it('refuses a masking key that is too short, naming the secret and not the key', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'short-key' });

    const error = await awsPhaseRuntime(silent, { AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: taskRoot(), MASKING_KEY_SECRET_ARN: KEY_SECRET }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(`aws.maskingKeySecretArn: the masking key in ${KEY_SECRET} is too short: at least 16 characters are needed`);
    expect((error as Error).message).not.toContain('short-key');
  });

  it("resolves the config's relative paths in the bundled files folder when the function has one, else in the task root", async () => {
    const root = taskRoot();

    const withFiles = await awsPhaseRuntime(silent, { AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: root, REHEARSAL_BASE_DIR: 'rehearsal-files/bot' });
    const without = await awsPhaseRuntime(silent, { AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: root });

    expect(withFiles.baseDir).toBe(path.join(root, 'rehearsal-files', 'bot'));
    expect(without.baseDir).toBe(root);
    await expect(awsPhaseRuntime(silent, { AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: root, REHEARSAL_BASE_DIR: '../etc' }))
      .rejects.toThrow('env.REHEARSAL_BASE_DIR: expected a folder inside the bundle, relative to the task root');
  });

  it('names a missing variable and a missing bundled config', async () => {
    await expect(awsPhaseRuntime(silent, { LAMBDA_TASK_ROOT: taskRoot() })).rejects.toThrow(/env\.AWS_REGION: /);
    await expect(awsPhaseRuntime(silent, { AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: mkdtempSync(path.join(os.tmpdir(), 'empty-')) }))
      .rejects.toThrow(/rehearsal\.config\.json: \(top level\): the bundled config is missing \(ENOENT\); redeploy with npx cdk deploy/);
  });
});
