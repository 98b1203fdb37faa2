import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import {
  CreateSecretCommand, GetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand, SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { ProductionWriteBlockedError } from '../../../shared/errors';
import { checkParity } from '../../../shared/parity/check';
import type { ParityConfig } from '../../../shared/parity/config-schema';
import { fingerprinter } from '../../../shared/parity/fingerprint';
import { productionTargetsOf } from '../../../shared/parity/production-targets';
import { paritySources, type AwsClientFactory } from '../../../shared/parity/sources';
import { secretsManagerSource } from '../../../shared/parity/sources/secrets-manager';

const ssm = mockClient(SSMClient);
const secrets = mockClient(SecretsManagerClient);
const lambda = mockClient(LambdaClient);
const aws: AwsClientFactory = { ssm: () => new SSMClient({}), secretsManager: () => new SecretsManagerClient({}), lambda: () => new LambdaClient({}) };

beforeEach(() => {
  ssm.reset();
  secrets.reset();
  lambda.reset();
});

/** A parity section whose staging side is `staging` (misconfigured in each case to reach production). */
function parity(production: ParityConfig['production'], staging: ParityConfig['staging'], keys: ParityConfig['policy']['keys']): ParityConfig {
  return { production, staging, policy: { keys }, probes: [] };
}

const writeCalls = () => [
  ...ssm.commandCalls(PutParameterCommand),
  ...secrets.commandCalls(PutSecretValueCommand),
  ...secrets.commandCalls(CreateSecretCommand),
  ...lambda.commandCalls(UpdateFunctionConfigurationCommand),
];

async function applyWith(config: ParityConfig) {
  const { production, staging } = paritySources(config, '/nowhere', aws);
  return checkParity({ production, staging, policy: config.policy, fingerprint: fingerprinter(Buffer.alloc(32, 7)), apply: true });
}

describe('parity --apply never writes to production', () => {
  it("refuses a plan touching one of production's Lambda functions before any call to it, and sends nothing", async () => {
    // Prepare: staging's function map names production's function (by ARN) for one alias.
    lambda.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { MODE: 'live' } } });
    lambda.on(UpdateFunctionConfigurationCommand).resolves({});
    const config = parity(
      { lambdaFunctions: { api: 'bot-prod-api' } },
      { lambdaFunctions: { api: 'arn:aws:lambda:eu-west-1:123456789012:function:bot-prod-api:live' } },
      { 'api/MODE': { override: 'rehearsal' } },
    );

    // Act
    const failure = applyWith(config);

    // Assert
    await expect(failure).rejects.toBeInstanceOf(ProductionWriteBlockedError);
    await expect(failure).rejects.toThrow("Lambda function bot-prod-api is one of production's");
    expect(writeCalls()).toHaveLength(0);
    // Only the two reads of the comparison: the write path stopped before reading the function again.
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(2);
  });

  it("refuses a plan that would put a new version of a secret under production's prefix, sending not even its safe changes", async () => {
    // Prepare: staging's prefix `bot/` also selects production's `bot/prod/` secrets.
    secrets.on(ListSecretsCommand, { Filters: [{ Key: 'name', Values: ['bot/prod/'] }] }).resolves({ SecretList: [{ Name: 'bot/prod/DB_HOST', ARN: 'arn:p1' }, { Name: 'bot/prod/DB_PORT', ARN: 'arn:p2' }] });
    secrets.on(ListSecretsCommand, { Filters: [{ Key: 'name', Values: ['bot/'] }] }).resolves({ SecretList: [{ Name: 'bot/prod/DB_HOST', ARN: 'arn:p1' }] });
    secrets.on(GetSecretValueCommand, { SecretId: 'arn:p1' }).resolves({ SecretString: 'db.internal' });
    secrets.on(GetSecretValueCommand, { SecretId: 'arn:p2' }).resolves({ SecretString: '5432' });
    const config = parity({ secretsPrefix: 'bot/prod/', jsonFields: false }, { secretsPrefix: 'bot/', jsonFields: false }, { 'DB_*': 'copy', 'prod/*': { override: 'rehearsal' } });

    // Act
    const failure = applyWith(config);

    // Assert
    await expect(failure).rejects.toThrow(ProductionWriteBlockedError);
    await expect(failure).rejects.toThrow("secret bot/prod/DB_HOST has production's prefix bot/prod/");
    expect(writeCalls()).toHaveLength(0);
  });

  it("refuses to put a new version of a staging-named secret that carries production's tag", async () => {
    // Prepare
    secrets.on(ListSecretsCommand).resolves({ SecretList: [{ Name: 'bot/staging/DB_HOST', ARN: 'arn:s1', Tags: [{ Key: 'env', Value: 'production' }] }] });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'old' });
    const production = productionTargetsOf({ production: { secretsTag: { key: 'env', value: 'production' }, jsonFields: false } });
    const source = secretsManagerSource(new SecretsManagerClient({}), { prefix: 'bot/staging/' }, { production });
    await source.read();

    // Act
    const failure = source.write(new Map([['DB_HOST', 'db.internal']]));

    // Assert
    await expect(failure).rejects.toThrow("refused to write through Secrets Manager prefix bot/staging/: secret bot/staging/DB_HOST carries production's tag env=production");
    expect(writeCalls()).toHaveLength(0);
  });

  it("refuses to create a secret tagged as production's when staging is selected by the same tag", async () => {
    // Prepare
    secrets.on(ListSecretsCommand).resolves({ SecretList: [] });
    const tag = { key: 'env', value: 'production' };
    const source = secretsManagerSource(new SecretsManagerClient({}), { tag }, { production: productionTargetsOf({ production: { secretsTag: tag, jsonFields: false } }) });
    await source.read();

    // Act
    const failure = source.write(new Map([['MODE', 'rehearsal']]));

    // Assert
    await expect(failure).rejects.toThrow("secret MODE carries production's tag env=production");
    expect(writeCalls()).toHaveLength(0);
  });

  it('still writes the safe fixes when staging is its own', async () => {
    // Prepare
    ssm.on(GetParametersByPathCommand, { Path: '/bot/prod/' }).resolves({ Parameters: [{ Name: '/bot/prod/DB_HOST', Value: 'db.internal', Type: 'String' }] });
    ssm.on(GetParametersByPathCommand, { Path: '/bot/staging/' }).resolves({ Parameters: [] });
    ssm.on(PutParameterCommand).resolves({});

    // Act
    await applyWith(parity({ ssmPath: '/bot/prod/' }, { ssmPath: '/bot/staging/' }, { 'DB_*': 'copy' }));

    // Assert
    expect(ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input)).toEqual([{ Name: '/bot/staging/DB_HOST', Value: 'db.internal', Type: 'String', Overwrite: true }]);
  });
});
