import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MIN_KEY_LENGTH } from '../anonymize/masking-key';
import { ConfigError } from '../errors';
import { awsStep } from './aws-errors';

/**
 * Reads the masking key from its Secrets Manager secret (the AWS counterpart of `maskingKey: { env }`).
 * The message on a bad key names the secret, never the key.
 */
export async function readMaskingKeySecret(secrets: SecretsManagerClient, secretArn: string): Promise<Buffer> {
  const found = await awsStep(`reading the masking key secret ${secretArn}`, () => secrets.send(new GetSecretValueCommand({ SecretId: secretArn })));
  const key = found.SecretString?.trim() ?? '';
  if (key.length < MIN_KEY_LENGTH) {
    throw new ConfigError([{ path: 'aws.maskingKeySecretArn', message: `the masking key in ${secretArn} is too short: at least ${MIN_KEY_LENGTH} characters are needed` }]);
  }
  return Buffer.from(key, 'utf8');
}
