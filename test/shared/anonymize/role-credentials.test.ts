import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import {
  generateRolePassword, scramVerifier, setRolePassword, stagedVersionId, stageRoleCredentials, type RoleSecretStore,
} from '../../../shared/anonymize/role-credentials';
import { AwsRoleSecretStore } from '../../../shared/aws/role-secrets';
import { parseDatabaseUrl, quoteIdent, quoteLiteral, withClient } from '../../../shared/db/client';
import { ConfigError } from '../../../shared/errors';
import { query, serverUrl, uniqueName } from '../../support/postgres';

const secrets = mockClient(SecretsManagerClient);
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-staging/app-db-Ab12Cd';
const RUN = '1a2b3c4d-0000-4000-8000-000000000000';
const CONNECTION = { host: 'db.staging.support.internal', port: 5432, dbname: 'support' };

function store(): RoleSecretStore {
  return new AwsRoleSecretStore(new SecretsManagerClient({}), async () => CONNECTION);
}

/** Whether `role` can log in to the test server with `password` (the server checks passwords: auth method `password`). */
async function canLogIn(role: string, password: string): Promise<boolean> {
  const { host, port } = parseDatabaseUrl(serverUrl());
  const client = new pg.Client({ host, port, database: 'postgres', user: role, password });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query<{ who: string }>('SELECT current_user AS who')).rows[0]?.who === role;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The password the credentials step staged, read from the PutSecretValue it sent. */
function stagedPasswordSent(): string {
  const value = secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretString;
  return (JSON.parse(value ?? '{}') as { password?: string }).password ?? '';
}

let role: string;
const OLD_PASSWORD = 'production-password-copied-by-the-restore';

beforeEach(async () => {
  secrets.reset();
  secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('no such version'), { name: 'ResourceNotFoundException' }));
  secrets.on(PutSecretValueCommand).resolves({});
  role = uniqueName('app_user');
  await query(serverUrl(), `CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD ${quoteLiteral(OLD_PASSWORD)}`);
});

afterEach(async () => {
  await query(serverUrl(), `DROP ROLE IF EXISTS ${quoteIdent(role)}`);
});

describe('stageRoleCredentials on real PostgreSQL', () => {
  it('gives the role a new strong password that works, staged as a pending secret version with exact inputs, and production\'s no longer works', async () => {
    // Act
    const staged = await withClient({ connectionString: serverUrl() }, (client) => stageRoleCredentials({
      client, roles: [{ name: role, secretArn: SECRET }], store: store(), runId: RUN, candidateId: 'rehearsal-support-cand-1a2b3c4d', path: 'databases.staging.roles',
    }));

    // Assert: the secret call, exactly; the password only there.
    const password = stagedPasswordSent();
    const versionId = stagedVersionId(RUN, SECRET);
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: SECRET, VersionId: versionId }]);
    expect(secrets.commandCalls(PutSecretValueCommand).map((call) => call.args[0].input)).toEqual([{
      SecretId: SECRET, ClientRequestToken: versionId, VersionStages: ['AWSPENDING'],
      SecretString: JSON.stringify({ username: role, password, engine: 'postgres', ...CONNECTION }),
    }]);
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(staged).toEqual([{ role, secretArn: SECRET, versionId }]);
    expect(JSON.stringify(staged)).not.toContain(password);
    // The server stores a SCRAM verifier it was sent, never the clear text.
    const [stored] = await query<{ rolpassword: string }>(serverUrl(), 'SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
    expect(stored?.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(stored?.rolpassword).not.toContain(password);
    expect(await canLogIn(role, password)).toBe(true);
    expect(await canLogIn(role, OLD_PASSWORD)).toBe(false);
  });

  it('on a retried call reuses the password a version already holds, so the secret and the role agree, and writes no second version', async () => {
    // Prepare: the first call staged a version and was lost before ALTER ROLE.
    const earlier = generateRolePassword();
    const versionId = stagedVersionId(RUN, SECRET);
    secrets.on(GetSecretValueCommand, { SecretId: SECRET, VersionId: versionId }).resolves({ SecretString: JSON.stringify({ username: role, password: earlier }), VersionId: versionId });

    // Act
    await withClient({ connectionString: serverUrl() }, (client) => stageRoleCredentials({
      client, roles: [{ name: role, secretArn: SECRET }], store: store(), runId: RUN, candidateId: 'c', path: 'databases.staging.roles',
    }));

    // Assert
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(await canLogIn(role, earlier)).toBe(true);
  });

  it('names a role missing from the candidate at its config path, without the password in the message, the cause or the JSON of the error', async () => {
    // Act
    const failure = await withClient({ connectionString: serverUrl() }, (client) => stageRoleCredentials({
      client, roles: [{ name: role, secretArn: SECRET }, { name: `${role}_gone`, secretArn: `${SECRET}x` }], store: store(), runId: RUN, candidateId: 'c', path: 'databases.staging.roles',
    })).catch((error: unknown) => error);

    // Assert
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual([{ path: 'databases.staging.roles[1].name', message: `role "${role}_gone" does not exist in the candidate: list roles that exist in production` }]);
    const missingPassword = (JSON.parse(secrets.commandCalls(PutSecretValueCommand)[1]?.args[0].input.SecretString ?? '{}') as { password: string }).password;
    const everything = [String(failure), (failure as Error).message, String((failure as Error).cause), JSON.stringify(failure), JSON.stringify((failure as Error).cause), (failure as Error).stack ?? ''].join('\n');
    expect(missingPassword).toHaveLength(43);
    expect(everything).not.toContain(missingPassword);
    expect(everything).not.toContain('SCRAM-SHA-256$');
  });
});

describe('setRolePassword', () => {
  it('quotes the role name, so a name needing quotes works and cannot inject SQL', async () => {
    // Prepare: a role whose name needs quoting.
    const odd = `${role}"; DROP ROLE x; --`;
    await query(serverUrl(), `CREATE ROLE ${quoteIdent(odd)} LOGIN`);
    const password = generateRolePassword();
    try {
      // Act
      await withClient({ connectionString: serverUrl() }, (client) => setRolePassword(client, odd, password, 'databases.staging.roles[0].name'));

      // Assert
      expect(await canLogIn(odd, password)).toBe(true);
    } finally {
      await query(serverUrl(), `DROP ROLE IF EXISTS ${quoteIdent(odd)}`);
    }
  });
});

describe('scramVerifier', () => {
  it('matches the RFC 7677 test vector (password "pencil")', () => {
    // The RFC's salt and iteration count; StoredKey and ServerKey as the RFC's exchange implies.
    const verifier = scramVerifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);

    expect(verifier).toBe('SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=');
  });
});

describe('stagedVersionId', () => {
  it('is the same for the same run and secret (a retry sends the same request token), UUID-shaped, and differs across runs and secrets', () => {
    expect(stagedVersionId(RUN, SECRET)).toBe(stagedVersionId(RUN, SECRET));
    expect(stagedVersionId(RUN, SECRET)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stagedVersionId('another-run', SECRET)).not.toBe(stagedVersionId(RUN, SECRET));
    expect(stagedVersionId(RUN, `${SECRET}x`)).not.toBe(stagedVersionId(RUN, SECRET));
  });
});
