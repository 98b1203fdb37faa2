import { UpdateFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CreateSecretCommand, PutSecretValueCommand, TagResourceCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteParametersCommand, GetParametersByPathCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { BuildMiddleware, MiddlewareStack } from '@smithy/types';
import { ProductionWriteBlockedError } from '../../../shared/errors';
import { parityClientGuards, guardedAwsClients } from '../../../shared/parity/sources/aws-clients';
import type { ParityConfig } from '../../../shared/parity/config-schema';
import { rdsConfig } from '../aws/factories';

const PARITY: Pick<ParityConfig, 'production'> = { production: { ssmPath: '/bot/prod/' } };
const SECRETS_PARITY: Pick<ParityConfig, 'production'> = { production: { secretsPrefix: 'bot/prod/', jsonFields: false } };
const LAMBDA_PARITY: Pick<ParityConfig, 'production'> = { production: { lambdaFunctions: { api: 'bot-prod-api' } } };
const TAG_PARITY: Pick<ParityConfig, 'production'> = { production: { secretsTag: { key: 'env', value: 'production' }, jsonFields: false } };

/** Records each request that reaches the build step and answers it in the process: nothing leaves. */
function answerLocally<I extends object, O extends object>(stack: MiddlewareStack<I, O>, sent: string[]): void {
  const answer: BuildMiddleware<I, O> = (_next, context) => async () => {
    sent.push(context.commandName ?? '');
    return { output: { $metadata: {} } as unknown as O, response: {} };
  };
  stack.add(answer, { step: 'build', name: 'recordAndAnswer' });
}

/** The clients the `parity` command and the reconcile Lambda create, as they create them, answering locally. */
function clients(parity: Pick<ParityConfig, 'production'>, config = rdsConfig()) {
  const sent: string[] = [];
  const aws = guardedAwsClients(parityClientGuards(parity, config));
  const ssm = aws.ssm('eu-west-1') as SSMClient;
  const secrets = aws.secretsManager('eu-west-1') as SecretsManagerClient;
  const lambda = aws.lambda('eu-west-1') as LambdaClient;
  answerLocally(ssm.middlewareStack, sent);
  answerLocally(secrets.middlewareStack, sent);
  answerLocally(lambda.middlewareStack, sent);
  return { sent, ssm, secrets, lambda };
}

describe('the guarded parity clients', () => {
  // The composition root's clients use the default credential chain: give it fake keys (requests are answered locally).
  const saved = { id: process.env['AWS_ACCESS_KEY_ID'], key: process.env['AWS_SECRET_ACCESS_KEY'] };
  beforeAll(() => {
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIDEXAMPLE';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'not-a-secret';
  });
  afterAll(() => {
    for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.key]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it.each([
    ['PutParameter under production\'s path', PARITY, (c: ReturnType<typeof clients>) => c.ssm.send(new PutParameterCommand({ Name: '/bot/prod/DB_HOST', Value: 'x', Type: 'String', Overwrite: true }))],
    ['PutParameter by production parameter ARN', PARITY, (c: ReturnType<typeof clients>) => c.ssm.send(new PutParameterCommand({ Name: 'arn:aws:ssm:eu-west-1:123456789012:parameter/bot/prod/DB_HOST', Value: 'x', Overwrite: true }))],
    ['DeleteParameters naming one of production\'s', PARITY, (c: ReturnType<typeof clients>) => c.ssm.send(new DeleteParametersCommand({ Names: ['/bot/staging/A', '/bot/prod/B'] }))],
    ['CreateSecret with production\'s prefix', SECRETS_PARITY, (c: ReturnType<typeof clients>) => c.secrets.send(new CreateSecretCommand({ Name: 'bot/prod/API_URL', SecretString: 'x' }))],
    ['PutSecretValue by the ARN of a production secret', SECRETS_PARITY, (c: ReturnType<typeof clients>) => c.secrets.send(new PutSecretValueCommand({ SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bot/prod/API_URL-AbCdEf', SecretString: 'x' }))],
    ['TagResource giving a secret production\'s tag', TAG_PARITY, (c: ReturnType<typeof clients>) => c.secrets.send(new TagResourceCommand({ SecretId: 'bot/staging/API_URL', Tags: [{ Key: 'env', Value: 'production' }] }))],
    ['UpdateFunctionConfiguration of production\'s function by ARN', LAMBDA_PARITY, (c: ReturnType<typeof clients>) => c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:bot-prod-api', Environment: { Variables: {} } }))],
    ['PutSecretValue pointing staging at the production database (the database guard)', SECRETS_PARITY, (c: ReturnType<typeof clients>) => c.secrets.send(new PutSecretValueCommand({ SecretId: 'bot/staging/DB', SecretString: JSON.stringify({ host: 'support-prod.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com' }) }))],
  ] as const)('refuse %s, naming production, before it leaves the client', async (_name, parity, send) => {
    // Prepare
    const c = clients(parity);

    // Act
    const failure = send(c);

    // Assert
    await expect(failure).rejects.toBeInstanceOf(ProductionWriteBlockedError);
    await expect(failure).rejects.toThrow(/production/);
    expect(c.sent).toEqual([]);
  });

  it("let reads of production and writes to staging's own targets through", async () => {
    // Prepare
    const c = clients(PARITY);

    // Act
    await c.ssm.send(new GetParametersByPathCommand({ Path: '/bot/prod/', Recursive: true }));
    await c.ssm.send(new PutParameterCommand({ Name: '/bot/staging/DB_HOST', Value: 'db.internal', Type: 'String', Overwrite: true }));
    await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'bot-staging-api', Environment: { Variables: { MODE: 'rehearsal' } } }));

    // Assert
    expect(c.sent).toEqual(['GetParametersByPathCommand', 'PutParameterCommand', 'UpdateFunctionConfigurationCommand']);
  });

  it('are created once per service and region', () => {
    const aws = guardedAwsClients(parityClientGuards(PARITY, rdsConfig()));

    expect(aws.ssm('eu-west-1')).toBe(aws.ssm('eu-west-1'));
    expect(aws.ssm('eu-west-1')).not.toBe(aws.ssm('us-east-1'));
  });
});
