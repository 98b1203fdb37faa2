import { AddTagsToResourceCommand, DeleteDBInstanceCommand, DescribeDBInstancesCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, GetChangeCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DescribeSecretCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { stagedVersionId, stageRoleCredentials } from '../../../shared/anonymize/role-credentials';
import type { Execution } from '../../../shared/aws/execution';
import { RdsInstanceProvider } from '../../../shared/aws/rds-instance-provider';
import { awsDeployment } from '../../../shared/aws/resources';
import { settleExecution } from '../../../shared/aws/settle';
import type { Config } from '../../../shared/config/schema';
import { quoteIdent, quoteLiteral } from '../../../shared/db/client';
import { silentLog } from '../../../shared/pipeline/log';
import { PHASE_PLAN } from '../../../shared/pipeline/phase-plan';
import { runPromote } from '../../../shared/pipeline/phases/promote';
import { makeRunContext } from '../../support/run-context';
import { query, serverUrl, uniqueName } from '../../support/postgres';
import { awsConfigInput, parseConfig, rdsStagingInput, STAGING_SECRET } from './factories';
import { fakeSecretsManager, labelsOf, type FakeSecret } from './support/fake-secrets-manager';

const rds = mockClient(RDSClient);
const route53 = mockClient(Route53Client);
const secrets = mockClient(SecretsManagerClient);
const RUN = '1a2b3c4d-0000-4000-8000-000000000000';
const CANDIDATE = 'rehearsal-support-cand-1a2b3c4d';
const RECORD = 'db.staging.support.internal';
const APP_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-staging/app-db-Ab12Cd';
const REPORTING_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-staging/reporting-db-Ef34Gh';
const ORIGINAL = 'a1b2c3d4-0000-4000-8000-000000000001';
const endpoint = (id: string): string => `${id}.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com`;
const passed = (name: string) => ({ name, status: 'passed', summary: 'ok', durationMs: 1, attempts: 1, figures: {} });

let store: Map<string, FakeSecret>;

function configWith(roles: { name: string; secretArn: string }[]): Config {
  return parseConfig(awsConfigInput({ databases: { production: { provider: 'rds-instance', instanceIdentifier: 'support-prod' }, staging: rdsStagingInput({ roles }) } as never }));
}

function providerFor(config: Config): RdsInstanceProvider {
  const { staging } = awsDeployment(config);
  if (staging.provider !== 'rds-instance') throw new Error('factory gave the wrong provider');
  return new RdsInstanceProvider({ bot: 'support-bot', productionIdentifier: 'support-prod', staging, clients: { rds: new RDSClient({}), route53: new Route53Client({}), secrets: new SecretsManagerClient({}) } });
}

/** A secret holding one AWSCURRENT version (the application's connection as it is before the run). */
function secretWith(value: Record<string, unknown>): FakeSecret {
  return { versions: new Map([[ORIGINAL, { value: JSON.stringify(value), stages: ['AWSCURRENT'] }]]) };
}

/** Settles an execution that failed at `failedAt` after the phases before it passed, as the Settle Lambda does. */
function settle(config: Config, state: Execution['state'], failedAt: 'verify' | 'anonymize' | 'reconcile', ran: readonly string[]): Promise<Execution> {
  const results = Object.fromEntries([...ran.map((name) => [name, passed(name)]), [failedAt, { ...passed(failedAt), status: 'failed' }]]);
  const runtime = { config, baseDir: '/var/task', outDir: '/tmp/out', providers: { database: providerFor(config) }, maskingKey: Buffer.alloc(0), log: silentLog };
  return settleExecution(PHASE_PLAN, { runId: RUN, deployId: 'custom:1', state, results }, runtime, { sleep: async () => undefined });
}

beforeEach(() => {
  rds.reset();
  route53.reset();
  secrets.reset();
  rds.on(DeleteDBInstanceCommand).resolves({});
  store = new Map();
  fakeSecretsManager(secrets, store);
});

describe('staged role passwords on the failure path before promote', () => {
  it('a run failing at verify: settle removes the candidate and takes AWSPENDING off each staged version, AWSCURRENT untouched', async () => {
    // Prepare: anonymize staged a version in each role's secret (as AWSPENDING) and recorded both.
    const config = configWith([{ name: 'app_user', secretArn: APP_SECRET }, { name: 'reporting', secretArn: REPORTING_SECRET }]);
    store.set(APP_SECRET, secretWith({ username: 'app_user', password: 'production-copy' }));
    store.set(REPORTING_SECRET, secretWith({ username: 'reporting', password: 'production-copy' }));
    const staged = [APP_SECRET, REPORTING_SECRET].map((secretArn, index) => {
      const versionId = stagedVersionId(RUN, secretArn);
      store.get(secretArn)?.versions.set(versionId, { value: '{"password":"new"}', stages: ['AWSPENDING'] });
      return { role: ['app_user', 'reporting'][index] ?? '', secretArn, versionId };
    });
    const state = { candidate: { id: CANDIDATE, database: 'support' }, stagedRoles: staged };

    // Act
    const settled = await settle(config, state, 'verify', ['snapshot', 'restore', 'anonymize']);

    // Assert
    expect(settled.settlement).toEqual({ action: 'discarded-candidate', detail: `candidate ${CANDIDATE} removed; staging untouched; staged passwords of 2 role secret(s) discarded` });
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((call) => call.args[0].input)).toEqual([{ DBInstanceIdentifier: CANDIDATE, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }]);
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input)).toEqual(staged.map((entry) => (
      { SecretId: entry.secretArn, VersionStage: 'AWSPENDING', RemoveFromVersionId: entry.versionId }
    )));
    expect(labelsOf(store.get(APP_SECRET) ?? secretWith({}))).toEqual({ [ORIGINAL]: ['AWSCURRENT'] });
    expect(labelsOf(store.get(REPORTING_SECRET) ?? secretWith({}))).toEqual({ [ORIGINAL]: ['AWSCURRENT'] });
  });

  it('is idempotent: a second settle (the state machine calling again) finds no label to remove and moves nothing', async () => {
    const config = configWith([{ name: 'app_user', secretArn: APP_SECRET }]);
    store.set(APP_SECRET, secretWith({ username: 'app_user', password: 'production-copy' }));
    const versionId = stagedVersionId(RUN, APP_SECRET);
    store.get(APP_SECRET)?.versions.set(versionId, { value: '{"password":"new"}', stages: ['AWSPENDING'] });
    const state = { candidate: { id: CANDIDATE, database: 'support' }, stagedRoles: [{ role: 'app_user', secretArn: APP_SECRET, versionId }] };

    await settle(config, state, 'verify', ['snapshot', 'restore', 'anonymize']);
    const again = await settle(config, state, 'verify', ['snapshot', 'restore', 'anonymize']);

    expect(again.settlement?.action).toBe('discarded-candidate');
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(1);
    expect(secrets.commandCalls(DescribeSecretCommand)).toHaveLength(2);
  });

  it('clears a version anonymize staged but never recorded (it failed on the next role): the version id comes from the run', async () => {
    // Prepare: the first role's version was written, then setting the second role's password failed; state has no stagedRoles.
    const config = configWith([{ name: 'app_user', secretArn: APP_SECRET }, { name: 'reporting', secretArn: REPORTING_SECRET }]);
    store.set(APP_SECRET, secretWith({ username: 'app_user', password: 'production-copy' }));
    store.set(REPORTING_SECRET, secretWith({ username: 'reporting', password: 'production-copy' }));
    store.get(APP_SECRET)?.versions.set(stagedVersionId(RUN, APP_SECRET), { value: '{"password":"new"}', stages: ['AWSPENDING'] });

    const settled = await settle(config, { candidate: { id: CANDIDATE, database: 'support' } }, 'anonymize', ['snapshot', 'restore']);

    expect(settled.settlement?.action).toBe('discarded-candidate');
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: APP_SECRET, VersionStage: 'AWSPENDING', RemoveFromVersionId: stagedVersionId(RUN, APP_SECRET) },
    ]);
    expect(labelsOf(store.get(APP_SECRET) ?? secretWith({}))).toEqual({ [ORIGINAL]: ['AWSCURRENT'] });
  });
});

describe('a role whose secret is staging’s own secret (databases.staging.secretArn)', () => {
  const role = uniqueName('app_user');

  beforeAll(async () => {
    await query(serverUrl(), `CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD ${quoteLiteral('copied-from-production')}`);
  });
  afterAll(async () => {
    await query(serverUrl(), `DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  });

  /** Staging as it is before the run: its secret names the old endpoint with the production password copy; the record points at the old database. */
  function prepare(): { config: Config; provider: RdsInstanceProvider } {
    const config = configWith([{ name: role, secretArn: STAGING_SECRET }]);
    store.set(STAGING_SECRET, secretWith({ username: role, password: 'old-staging-password', engine: 'postgres', host: endpoint('support-staging'), port: 5432, dbname: 'support' }));
    const instance = (id: string, tags: { Key: string; Value: string }[] = []): DBInstance => ({
      DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:eu-west-1:123456789012:db:${id}`, DBInstanceStatus: 'available', Endpoint: { Address: endpoint(id), Port: 5432 }, TagList: tags,
    });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: CANDIDATE }).resolves({ DBInstances: [instance(CANDIDATE, [{ Key: 'rehearsal:run-id', Value: RUN }])] });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'support-staging' }).resolves({ DBInstances: [instance('support-staging')] });
    rds.on(AddTagsToResourceCommand).resolves({});
    route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: `${RECORD}.`, Type: 'CNAME', ResourceRecords: [{ Value: endpoint('support-staging') }] }] });
    route53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
    route53.on(GetChangeCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
    return { config, provider: providerFor(config) };
  }

  /** The anonymize phase's credentials step, on the real server (the role stands in for the candidate's). */
  async function stage(provider: RdsInstanceProvider) {
    const client = new pg.Client({ connectionString: serverUrl() });
    await client.connect();
    try {
      return await stageRoleCredentials({ client, roles: [{ name: role, secretArn: STAGING_SECRET }], store: provider.roleSecrets, runId: RUN, candidateId: CANDIDATE, path: 'databases.staging.roles' });
    } finally {
      await client.end();
    }
  }

  const current = (): Record<string, unknown> => {
    const found = [...(store.get(STAGING_SECRET)?.versions.values() ?? [])].find((version) => version.stages.includes('AWSCURRENT'));
    return JSON.parse(found?.value ?? '{}') as Record<string, unknown>;
  };

  it('works through promote: the secret ends on the candidate’s password with the record as host, then rollback puts the old password back', async () => {
    // Prepare
    const { config, provider } = prepare();
    const staged = await stage(provider);
    const ctx = { ...makeRunContext(provider, { config, runId: RUN, state: { candidate: { id: CANDIDATE, database: 'support' }, stagedRoles: staged } }), results: [] };

    // Act: promote (the record change, then the secret's host, then the role's version made current).
    const first = await runPromote(ctx);
    const second = await runPromote(ctx);
    const promoted = current();
    const settled = await settle(config, ctx.state as Execution['state'], 'reconcile', ['snapshot', 'restore', 'anonymize', 'verify', 'promote']);
    const finished = settled.step?.status === 'pending' ? await settle(config, settled.state, 'reconcile', ['snapshot', 'restore', 'anonymize', 'verify', 'promote']) : settled;

    // Assert
    expect([first.status, second.status]).toEqual(['pending', 'passed']);
    expect(promoted).toMatchObject({ username: role, host: RECORD, port: 5432, dbname: 'support' });
    expect(promoted['password']).not.toBe('old-staging-password');
    expect(finished.settlement?.action).toBe('rolled-back');
    // Rollback: the version promote's host update wrote (old password, the record as host) is current again; no AWSPENDING left anywhere.
    expect(current()).toEqual({ username: role, password: 'old-staging-password', engine: 'postgres', host: RECORD, port: 5432, dbname: 'support' });
    expect(Object.values(labelsOf(store.get(STAGING_SECRET) ?? secretWith({}))).flat()).not.toContain('AWSPENDING');
  });

  it('works on the failure path before promote: the staged version loses AWSPENDING and the secret is as it was', async () => {
    const { config, provider } = prepare();
    const staged = await stage(provider);

    const settled = await settle(config, { candidate: { id: CANDIDATE, database: 'support' }, stagedRoles: staged }, 'verify', ['snapshot', 'restore', 'anonymize']);

    expect(settled.settlement?.action).toBe('discarded-candidate');
    expect(labelsOf(store.get(STAGING_SECRET) ?? secretWith({}))).toEqual({ [ORIGINAL]: ['AWSCURRENT'] });
    expect(current()).toMatchObject({ password: 'old-staging-password', host: endpoint('support-staging') });
  });
});
