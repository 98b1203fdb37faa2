import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import {
  CreateSecretCommand, GetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand, SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { EnvironmentError } from '../../../../shared/errors';
import { lambdaEnvSource } from '../../../../shared/parity/sources/lambda-env';
import { secretsManagerSource } from '../../../../shared/parity/sources/secrets-manager';
import { ssmSource } from '../../../../shared/parity/sources/ssm';
import type { ProductionTargets } from '../../../../shared/parity/production-targets';

/** Production's side of the parity config: none of these tests' staging targets is under it. */
const PROD: ProductionTargets = { ssmPaths: ['/bot/prod/'], secretPrefixes: ['bot/prod/'], secretTags: [{ key: 'env', value: 'production' }], lambdaFunctions: ['bot-prod-api'] };

const ssm = mockClient(SSMClient);
const secrets = mockClient(SecretsManagerClient);
const lambda = mockClient(LambdaClient);

beforeEach(() => {
  ssm.reset();
  secrets.reset();
  lambda.reset();
});

describe('ssmSource', () => {
  it('reads every page under the path, decrypted, with keys relative to the path', async () => {
    // Prepare
    ssm.on(GetParametersByPathCommand)
      .resolvesOnce({ Parameters: [{ Name: '/bot/staging/DB_HOST', Value: 'db', Type: 'String' }], NextToken: 't1' })
      .resolvesOnce({ Parameters: [{ Name: '/bot/staging/nested/API_KEY', Value: 'k', Type: 'SecureString' }] });

    // Act
    const values = await ssmSource(new SSMClient({}), '/bot/staging/', PROD).read();

    // Assert
    expect([...values]).toEqual([['DB_HOST', 'db'], ['nested/API_KEY', 'k']]);
    expect(ssm.commandCalls(GetParametersByPathCommand).map((call) => call.args[0].input)).toEqual([
      { Path: '/bot/staging/', Recursive: true, WithDecryption: true },
      { Path: '/bot/staging/', Recursive: true, WithDecryption: true, NextToken: 't1' },
    ]);
  });

  it('writes with the type the parameter had, String for a new one, overwriting', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [{ Name: '/s/SECURE', Value: 'x', Type: 'SecureString' }] });
    ssm.on(PutParameterCommand).resolves({});
    const source = ssmSource(new SSMClient({}), '/s/', PROD);
    await source.read();

    await source.write(new Map([['SECURE', 'y'], ['NEW', 'z']]));

    expect(ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input)).toEqual([
      { Name: '/s/SECURE', Value: 'y', Type: 'SecureString', Overwrite: true },
      { Name: '/s/NEW', Value: 'z', Type: 'String', Overwrite: true },
    ]);
  });

  it('turns an unreachable parameter store into an EnvironmentError naming the source', async () => {
    ssm.on(GetParametersByPathCommand).rejects(Object.assign(new Error('getaddrinfo ENOTFOUND'), { name: 'Error' }));

    const failure = ssmSource(new SSMClient({}), '/bot/staging/', PROD).read();

    await expect(failure).rejects.toBeInstanceOf(EnvironmentError);
    await expect(failure).rejects.toThrow('cannot reach SSM path /bot/staging/: Error: getaddrinfo ENOTFOUND');
  });

  it('keeps only the error name when a write fails, since AWS validation messages can quote the value', async () => {
    ssm.on(PutParameterCommand).rejects(Object.assign(new Error("Value 'copied-value' at 'value' failed to satisfy constraint"), { name: 'ValidationException' }));

    const failure = ssmSource(new SSMClient({}), '/s/', PROD).write(new Map([['K', 'copied-value']]));

    await expect(failure).rejects.toThrow(/^cannot write to SSM path \/s\/: ValidationException$/);
  });
});

describe('secretsManagerSource', () => {
  it('lists secrets by name prefix across pages, drops near matches and reads each value', async () => {
    // Prepare
    secrets.on(ListSecretsCommand)
      .resolvesOnce({ SecretList: [{ Name: 'bot/staging/OPENAI_API_KEY', ARN: 'arn:1' }, { Name: 'bot/staging-old/X', ARN: 'arn:x' }], NextToken: 'n' })
      .resolvesOnce({ SecretList: [{ Name: 'bot/staging/PAYMENTS_KEY', ARN: 'arn:2' }] });
    secrets.on(GetSecretValueCommand, { SecretId: 'arn:1' }).resolves({ SecretString: 'sk-1' });
    secrets.on(GetSecretValueCommand, { SecretId: 'arn:2' }).resolves({ SecretString: 'pk-2' });

    // Act
    const values = await secretsManagerSource(new SecretsManagerClient({}), { prefix: 'bot/staging/' }, { production: PROD }).read();

    // Assert
    expect([...values]).toEqual([['OPENAI_API_KEY', 'sk-1'], ['PAYMENTS_KEY', 'pk-2']]);
    expect(secrets.commandCalls(ListSecretsCommand).map((call) => call.args[0].input)).toEqual([
      { Filters: [{ Key: 'name', Values: ['bot/staging/'] }] },
      { Filters: [{ Key: 'name', Values: ['bot/staging/'] }], NextToken: 'n' },
    ]);
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: 'arn:1' }, { SecretId: 'arn:2' }]);
  });

  it('selects by tag and writes new versions of known secrets and new tagged secrets', async () => {
    secrets.on(ListSecretsCommand).resolves({ SecretList: [{ Name: 'DB_URL', ARN: 'arn:db' }] });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'old' });
    secrets.on(PutSecretValueCommand).resolves({});
    secrets.on(CreateSecretCommand).resolves({});
    const source = secretsManagerSource(new SecretsManagerClient({}), { tag: { key: 'env', value: 'staging' } }, { production: PROD });

    await source.read();
    await source.write(new Map([['DB_URL', 'new'], ['MODE', 'rehearsal']]));

    expect(secrets.commandCalls(ListSecretsCommand)[0]?.args[0].input).toEqual({ Filters: [{ Key: 'tag-key', Values: ['env'] }, { Key: 'tag-value', Values: ['staging'] }] });
    expect(secrets.commandCalls(PutSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: 'arn:db', SecretString: 'new' }]);
    expect(secrets.commandCalls(CreateSecretCommand).map((call) => call.args[0].input)).toEqual([{ Name: 'MODE', SecretString: 'rehearsal', Tags: [{ Key: 'env', Value: 'staging' }] }]);
  });
});

describe('secretsManagerSource with jsonFields', () => {
  it('reads a JSON secret field by field and writes a field back with the others kept', async () => {
    // Prepare
    secrets.on(ListSecretsCommand).resolves({ SecretList: [{ Name: 'bot/staging/app', ARN: 'arn:app' }, { Name: 'bot/staging/plain', ARN: 'arn:plain' }] });
    secrets.on(GetSecretValueCommand, { SecretId: 'arn:app' }).resolves({ SecretString: JSON.stringify({ DB_HOST: 'old', OPENAI_API_KEY: 'sk-stage' }) });
    secrets.on(GetSecretValueCommand, { SecretId: 'arn:plain' }).resolves({ SecretString: 'not json' });
    secrets.on(PutSecretValueCommand).resolves({});
    secrets.on(CreateSecretCommand).resolves({});
    const source = secretsManagerSource(new SecretsManagerClient({}), { prefix: 'bot/staging/' }, { jsonFields: true, production: PROD });

    // Act
    const values = await source.read();
    await source.write(new Map([['app/DB_HOST', 'db.internal'], ['cache/URL', 'redis://x']]));

    // Assert
    expect([...values]).toEqual([['app/DB_HOST', 'old'], ['app/OPENAI_API_KEY', 'sk-stage'], ['plain', 'not json']]);
    expect(secrets.commandCalls(PutSecretValueCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: 'arn:app', SecretString: JSON.stringify({ DB_HOST: 'db.internal', OPENAI_API_KEY: 'sk-stage' }) },
    ]);
    expect(secrets.commandCalls(CreateSecretCommand).map((call) => call.args[0].input)).toEqual([
      { Name: 'bot/staging/cache', SecretString: JSON.stringify({ URL: 'redis://x' }) },
    ]);
  });
});

describe('lambdaEnvSource', () => {
  it('reads each function\'s variables as alias/NAME and updates the whole map on write', async () => {
    // Prepare
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'bot-staging-api' }).resolves({ Environment: { Variables: { DB_HOST: 'a', KEEP: 'k' } } });
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'bot-staging-worker' }).resolves({});
    lambda.on(UpdateFunctionConfigurationCommand).resolves({});
    const source = lambdaEnvSource(new LambdaClient({}), { api: 'bot-staging-api', worker: 'bot-staging-worker' }, PROD);

    // Act
    const values = await source.read();
    await source.write(new Map([['api/DB_HOST', 'b']]));

    // Assert
    expect([...values]).toEqual([['api/DB_HOST', 'a'], ['api/KEEP', 'k']]);
    expect(lambda.commandCalls(UpdateFunctionConfigurationCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'bot-staging-api', Environment: { Variables: { DB_HOST: 'b', KEEP: 'k' } } },
    ]);
  });
});
