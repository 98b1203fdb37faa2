import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { CredentialsConnectionLostError } from '../../../../shared/anonymize/errors';
import { stagedVersionId } from '../../../../shared/anonymize/role-credentials';
import { parseExecution } from '../../../../shared/aws/execution';
import { AwsRoleSecretStore } from '../../../../shared/aws/role-secrets';
import { parseDatabaseUrl, quoteIdent, quoteLiteral } from '../../../../shared/db/client';
import type { DatabaseProvider } from '../../../../shared/db/provider';
import type { RunLog } from '../../../../shared/pipeline/log';
import { runAnonymize } from '../../../../shared/pipeline/phases/anonymize';
import { awsConfigInput, parseConfig, rdsStagingInput } from '../../aws/factories';
import { holdLock } from '../../../support/lost-connection';
import { createDatabase, dropDatabases, query, serverUrl, uniqueName } from '../../../support/postgres';
import { makeRunContext } from '../../../support/run-context';

const secrets = mockClient(SecretsManagerClient);
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-staging/app-db-Ab12Cd';
const OLD_PASSWORD = 'copied-from-production';

/**
 * Secrets Manager as the credentials step uses it: PutSecretValue keeps the value under its request
 * token and GetSecretValue returns it, so a retried call finds what an earlier one staged.
 */
function rememberStagedVersions(): Map<string, string> {
  const versions = new Map<string, string>();
  secrets.reset();
  secrets.on(PutSecretValueCommand).callsFake((input: { SecretId: string; ClientRequestToken: string; SecretString: string }) => {
    versions.set(`${input.SecretId} ${input.ClientRequestToken}`, input.SecretString);
    return {};
  });
  secrets.on(GetSecretValueCommand).callsFake((input: { SecretId: string; VersionId: string }) => {
    const value = versions.get(`${input.SecretId} ${input.VersionId}`);
    if (value === undefined) throw Object.assign(new Error('no such version'), { name: 'ResourceNotFoundException' });
    return { SecretString: value, VersionId: input.VersionId };
  });
  return versions;
}

/** The password staged in a role's secret for run-1 (what applications will read once promote makes it current). */
function stagedPassword(versions: ReadonlyMap<string, string>, secretArn: string): string {
  return (JSON.parse(versions.get(`${secretArn} ${stagedVersionId('run-1', secretArn)}`) ?? '{}') as { password?: string }).password ?? '';
}

/** Whether `role` can log in to `database` on the test server with `password`. */
async function canLogIn(database: string, role: string, password: string): Promise<boolean> {
  const { host, port } = parseDatabaseUrl(serverUrl());
  const client = new pg.Client({ host, port, database, user: role, password });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The anonymize phase's context for an AWS config listing `roles`, whose candidate is `database` on the test server. */
function rolesContext(database: string, roles: ReadonlyArray<{ name: string; secretArn: string }>) {
  const config = parseConfig(awsConfigInput({ databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod' }, staging: rdsStagingInput({ roles }) } as never }));
  const provider = {
    kind: 'scripted',
    connection: async () => ({ connectionString: serverUrl(database) }),
    roleSecrets: new AwsRoleSecretStore(new SecretsManagerClient({}), async () => ({ host: 'db.staging.support.internal', port: 5432, dbname: 'support' })),
  } as unknown as DatabaseProvider;
  const lines: string[] = [];
  const log: RunLog = { info: (line) => void lines.push(line), warn: (line) => void lines.push(line), error: (line) => void lines.push(line), progress: () => undefined };
  const ctx = { ...makeRunContext(provider, { config, log, runId: 'run-1', state: { candidate: { id: 'rehearsal-support-cand-run1', database } } }), results: [] };
  return { ctx, lines };
}

describe('the anonymize phase with application roles listed', () => {
  const databases: string[] = [];
  const roles: string[] = [];

  /** A candidate with one user to mask, and `count` login roles holding production's password. */
  async function candidateWithRoles(count: number): Promise<{ database: string; names: string[] }> {
    const database = uniqueName('anon_roles');
    databases.push(database);
    const url = await createDatabase(database);
    await query(url, "CREATE TABLE public.users (id integer PRIMARY KEY, email text); INSERT INTO public.users VALUES (1, 'ada@real.example')");
    const names = Array.from({ length: count }, () => uniqueName('app_user'));
    for (const name of names) {
      roles.push(name);
      await query(serverUrl(), `CREATE ROLE ${quoteIdent(name)} LOGIN PASSWORD ${quoteLiteral(OLD_PASSWORD)}`);
    }
    return { database, names };
  }

  afterAll(async () => {
    await dropDatabases(...databases);
    for (const role of roles) await query(serverUrl(), `DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  });

  it('masks, then gives each role a new password staged in its secret; state and logs hold the secret ARN and version only', async () => {
    // Prepare: an AWS config listing the role; the candidate is the test server's database.
    const { database, names: [role = ''] } = await candidateWithRoles(1);
    const versions = rememberStagedVersions();
    const { ctx, lines } = rolesContext(database, [{ name: role, secretArn: SECRET }]);

    // Act
    const result = await runAnonymize(ctx);

    // Assert
    const password = stagedPassword(versions, SECRET);
    expect(result).toMatchObject({ status: 'passed', figures: { rolesWithNewPasswords: 1 } });
    expect(ctx.state.stagedRoles).toEqual([{ role, secretArn: SECRET, versionId: stagedVersionId('run-1', SECRET) }]);
    // The state travels through Step Functions: it passes the execution's secret-key check and holds no password.
    expect(() => parseExecution({ runId: 'run-1', deployId: 'd', state: ctx.state })).not.toThrow();
    expect(JSON.stringify(ctx.state)).not.toContain(password);
    expect(lines.join('\n')).toContain(SECRET);
    expect(lines.join('\n')).not.toContain(password);
    expect(await canLogIn(database, role, password)).toBe(true);
  });

  it('names the roles done and those left when the connection is lost setting a password, without a password, and a new call gives every role the password its secret holds', async () => {
    // Prepare: three roles; another session holds the second role's catalog row, so its ALTER ROLE waits there.
    const { database, names } = await candidateWithRoles(3);
    const [first = '', second = '', third = ''] = names;
    const listed = names.map((name, index) => ({ name, secretArn: `${SECRET}-${index}` }));
    const versions = rememberStagedVersions();
    const { ctx } = rolesContext(database, listed);
    const lock = await holdLock(serverUrl(database), `ALTER ROLE ${quoteIdent(second)} VALID UNTIL 'infinity'`);

    // Act: cut the backend while the second role's password waits, then call the phase again, as the pipeline's retry does.
    let error: unknown;
    try {
      const cut = lock.terminateWhenWaiting(new RegExp(`^ALTER ROLE "${second}" PASSWORD`));
      error = await runAnonymize(ctx).catch((caught: unknown) => caught);
      await cut;
    } finally {
      await lock.release();
    }
    const passwordsAtCut = listed.map((entry) => stagedPassword(versions, entry.secretArn));
    const again = await runAnonymize(ctx);

    // Assert: a named, retried environment error saying where it was lost, what was done and what a new call does.
    expect(error).toBeInstanceOf(CredentialsConnectionLostError);
    expect(error).toMatchObject({ name: 'CredentialsConnectionLostError', exitCode: 3, role: second, done: [first], left: [third] });
    expect((error as Error).message).toBe(
      'lost the connection to the candidate (terminating connection due to administrator command, SQLSTATE 57P01) while setting the new password of role '
      + `"${second}", after every table was masked and committed: "${first}" has its new password; "${second}" and "${third}" may still have production's `
      + '(each password is set by one ALTER ROLE, whole or not at all). Running the anonymize phase again on this candidate (the pipeline retries it) masks '
      + "nothing again and sets every listed role's password again to the one staged in its secret, so each role and its secret agree");
    // No password, new or staged, nor its verifier, in anything the error carries.
    const everything = [String(error), (error as Error).message, String((error as Error).cause), JSON.stringify(error), JSON.stringify((error as Error).cause), (error as Error).stack ?? ''].join('\n');
    for (const password of passwordsAtCut.filter((staged) => staged !== '')) expect(everything).not.toContain(password);
    expect(everything).not.toContain('SCRAM-SHA-256$');
    // The new call finishes: every role logs in with the password its secret holds, each secret written once, production's password refused.
    expect(again).toMatchObject({ status: 'passed', figures: { rolesWithNewPasswords: 3 } });
    expect(again.summary).toMatch(/^masked by an earlier attempt of this run \(finished at [^)]+\); this attempt masked no row again; set the new passwords of 3 role\(s\)$/);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(3);
    for (const entry of listed) {
      expect(await canLogIn(database, entry.name, stagedPassword(versions, entry.secretArn))).toBe(true);
      expect(await canLogIn(database, entry.name, OLD_PASSWORD)).toBe(false);
    }
    expect(await query(serverUrl(database), 'SELECT email FROM public.users')).not.toEqual([{ email: 'ada@real.example' }]);
  });
});
