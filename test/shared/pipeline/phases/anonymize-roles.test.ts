import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { stagedVersionId } from '../../../../shared/anonymize/role-credentials';
import { parseExecution } from '../../../../shared/aws/execution';
import { AwsRoleSecretStore } from '../../../../shared/aws/role-secrets';
import { parseDatabaseUrl, quoteIdent, quoteLiteral } from '../../../../shared/db/client';
import type { DatabaseProvider } from '../../../../shared/db/provider';
import type { RunLog } from '../../../../shared/pipeline/log';
import { runAnonymize } from '../../../../shared/pipeline/phases/anonymize';
import { awsConfigInput, parseConfig, rdsStagingInput } from '../../aws/factories';
import { createDatabase, dropDatabases, query, serverUrl, uniqueName } from '../../../support/postgres';
import { makeRunContext } from '../../../support/run-context';

const secrets = mockClient(SecretsManagerClient);
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-staging/app-db-Ab12Cd';

describe('the anonymize phase with application roles listed', () => {
  const database = uniqueName('anon_roles');
  const role = uniqueName('app_user');

  beforeAll(async () => {
    const url = await createDatabase(database);
    await query(url, "CREATE TABLE public.users (id integer PRIMARY KEY, email text); INSERT INTO public.users VALUES (1, 'ada@real.example')");
    await query(serverUrl(), `CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD ${quoteLiteral('copied-from-production')}`);
  });

  afterAll(async () => {
    await dropDatabases(database);
    await query(serverUrl(), `DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  });

  it('masks, then gives each role a new password staged in its secret; state and logs hold the secret ARN and version only', async () => {
    // Prepare: an AWS config listing the role; the candidate is the test server's database.
    secrets.reset();
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('no such version'), { name: 'ResourceNotFoundException' }));
    secrets.on(PutSecretValueCommand).resolves({});
    const config = parseConfig(awsConfigInput({ databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod' }, staging: rdsStagingInput({ roles: [{ name: role, secretArn: SECRET }] }) } as never }));
    const provider = {
      kind: 'scripted',
      connection: async () => ({ connectionString: serverUrl(database) }),
      roleSecrets: new AwsRoleSecretStore(new SecretsManagerClient({}), async () => ({ host: 'db.staging.support.internal', port: 5432, dbname: 'support' })),
    } as unknown as DatabaseProvider;
    const lines: string[] = [];
    const log: RunLog = { info: (line) => void lines.push(line), warn: (line) => void lines.push(line), error: (line) => void lines.push(line), progress: () => undefined };
    const ctx = { ...makeRunContext(provider, { config, log, runId: 'run-1', state: { candidate: { id: 'rehearsal-support-cand-run1', database } } }), results: [] };

    // Act
    const result = await runAnonymize(ctx);

    // Assert
    const password = (JSON.parse(secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretString ?? '{}') as { password: string }).password;
    expect(result).toMatchObject({ status: 'passed', figures: { rolesWithNewPasswords: 1 } });
    expect(ctx.state.stagedRoles).toEqual([{ role, secretArn: SECRET, versionId: stagedVersionId('run-1', SECRET) }]);
    // The state travels through Step Functions: it passes the execution's secret-key check and holds no password.
    expect(() => parseExecution({ runId: 'run-1', deployId: 'd', state: ctx.state })).not.toThrow();
    expect(JSON.stringify(ctx.state)).not.toContain(password);
    expect(lines.join('\n')).toContain(SECRET);
    expect(lines.join('\n')).not.toContain(password);
    const { host, port } = parseDatabaseUrl(serverUrl());
    const client = new pg.Client({ host, port, database, user: role, password });
    await client.connect();
    await client.end();
  });
});
