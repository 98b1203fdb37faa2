import {
  AddTagsToResourceCommand, CreateDBSnapshotCommand, DeleteDBInstanceCommand, DeleteDBSnapshotCommand, DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand, RDSClient, RestoreDBInstanceFromDBSnapshotCommand, type DBInstance,
} from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, GetChangeCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsRequestError } from '../../../shared/aws/aws-errors';
import { RdsInstanceProvider } from '../../../shared/aws/rds-instance-provider';
import { awsDeployment } from '../../../shared/aws/resources';
import { EnvironmentError } from '../../../shared/errors';
import { KMS_KEY, rdsConfig } from './factories';

const rds = mockClient(RDSClient);
const route53 = mockClient(Route53Client);
const secrets = mockClient(SecretsManagerClient);
const RUN = '1a2b3c4d-0000-4000-8000-000000000000';
const CANDIDATE = 'rehearsal-support-cand-1a2b3c4d';
const endpoint = (id: string): string => `${id}.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com`;
const arn = (id: string): string => `arn:aws:rds:eu-west-1:123456789012:db:${id}`;

function provider(stagingOverrides: Record<string, unknown> = {}): RdsInstanceProvider {
  const deployment = awsDeployment(rdsConfig(stagingOverrides));
  if (deployment.staging.provider !== 'rds-instance') throw new Error('factory gave the wrong provider');
  return new RdsInstanceProvider({
    bot: 'support-bot', productionIdentifier: 'support-prod', staging: deployment.staging,
    clients: { rds: new RDSClient({}), route53: new Route53Client({}), secrets: new SecretsManagerClient({}) },
  });
}

function instance(id: string, overrides: Partial<DBInstance> = {}): DBInstance {
  return {
    DBInstanceIdentifier: id, DBInstanceArn: arn(id), DBInstanceStatus: 'available',
    Endpoint: { Address: endpoint(id), Port: 5432 }, MasterUserSecret: { SecretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-${id}`, SecretStatus: 'active' },
    TagList: [], ...overrides,
  };
}

function awsError(name: string): Error {
  return Object.assign(new Error(`${name} from RDS`), { name });
}

beforeEach(() => {
  rds.reset();
  route53.reset();
  secrets.reset();
});

describe('RdsInstanceProvider.snapshot', () => {
  it('starts a tagged manual snapshot of production and reports it pending', async () => {
    rds.on(CreateDBSnapshotCommand).resolves({});

    const progress = await provider().snapshot(RUN);

    expect(progress).toMatchObject({ state: 'pending', value: { id: 'rehearsal-support-snap-1a2b3c4d' }, retryAfterMs: 60_000 });
    expect(rds.commandCalls(CreateDBSnapshotCommand)[0]?.args[0].input).toEqual({
      DBInstanceIdentifier: 'support-prod',
      DBSnapshotIdentifier: 'rehearsal-support-snap-1a2b3c4d',
      Tags: [
        { Key: 'team', Value: 'support' },
        { Key: 'rehearsal:managed-by', Value: 'rehearsal' },
        { Key: 'rehearsal:bot', Value: 'support-bot' },
        { Key: 'rehearsal:run-id', Value: RUN },
        { Key: 'rehearsal:role', Value: 'snapshot' },
        { Key: 'rehearsal:source', Value: 'support-prod' },
      ],
    });
  });

  it('treats a snapshot a retried call already started as its own', async () => {
    rds.on(CreateDBSnapshotCommand).rejects(awsError('DBSnapshotAlreadyExistsFault'));

    await expect(provider().snapshot(RUN)).resolves.toMatchObject({ state: 'pending' });
  });

  it('is ready when RDS says the snapshot is available', async () => {
    const created = new Date('2026-11-26T08:00:00Z');
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'rehearsal-support-snap-1a2b3c4d' })
      .resolves({ DBSnapshots: [{ DBSnapshotIdentifier: 'rehearsal-support-snap-1a2b3c4d', Status: 'available', SnapshotCreateTime: created }] });

    const progress = await provider().snapshot(RUN, { id: 'rehearsal-support-snap-1a2b3c4d', createdAt: 'x' });

    expect(progress).toEqual({ state: 'ready', value: { id: 'rehearsal-support-snap-1a2b3c4d', createdAt: created.toISOString() } });
  });

  it.each(['InvalidDBInstanceStateFault', 'InvalidDBInstanceState', 'ThrottlingException'])('turns %s into an EnvironmentError the phase table retries', async (name) => {
    rds.on(CreateDBSnapshotCommand).rejects(awsError(name));

    const error = await provider().snapshot(RUN).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).name).toBe('EnvironmentError');
    expect((error as Error).message).toContain(`${name}: ${name} from RDS (transient: retried)`);
  });

  it('turns a refusal that retrying cannot fix into an AwsRequestError, which no Retry names', async () => {
    rds.on(CreateDBSnapshotCommand).rejects(awsError('AccessDenied'));

    const error = await provider().snapshot(RUN).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AwsRequestError);
    expect((error as Error).name).toBe('AwsRequestError');
  });
});

describe('RdsInstanceProvider.restore', () => {
  it('restores the candidate with every setting explicit and a master password RDS manages', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(awsError('DBInstanceNotFoundFault'));
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: 'rehearsal-support-snap-1a2b3c4d', Status: 'available', KmsKeyId: KMS_KEY }] });
    rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});

    const progress = await provider().restore({ id: 'rehearsal-support-snap-1a2b3c4d', createdAt: 'x' }, RUN);

    expect(progress).toMatchObject({ state: 'pending', value: { id: CANDIDATE, database: 'support' } });
    expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0]?.args[0].input).toEqual({
      DBInstanceIdentifier: CANDIDATE,
      DBSnapshotIdentifier: 'rehearsal-support-snap-1a2b3c4d',
      DBInstanceClass: 'db.t4g.medium',
      Port: 5432,
      DBSubnetGroupName: 'staging-db-private',
      VpcSecurityGroupIds: ['sg-0a1b2c3d4e5f60789'],
      DBParameterGroupName: 'staging-postgres16',
      OptionGroupName: 'default-postgres-16',
      Tags: expect.arrayContaining([{ Key: 'rehearsal:role', Value: 'candidate' }, { Key: 'team', Value: 'support' }]),
      DeletionProtection: false,
      PubliclyAccessible: false,
      MultiAZ: false,
      AutoMinorVersionUpgrade: false,
      CopyTagsToSnapshot: false,
      BackupRetentionPeriod: 0,
      ManageMasterUserPassword: true,
      MasterUserSecretKmsKeyId: KMS_KEY,
    });
  });

  it('waits while the candidate is being restored, then is ready once available with an active managed secret', async () => {
    const ref = { id: CANDIDATE, database: 'support' };
    rds.on(DescribeDBInstancesCommand).resolvesOnce({ DBInstances: [instance(CANDIDATE, { DBInstanceStatus: 'creating' })] })
      .resolvesOnce({ DBInstances: [instance(CANDIDATE, { MasterUserSecret: { SecretStatus: 'creating' } })] })
      .resolves({ DBInstances: [instance(CANDIDATE)] });

    const first = await provider().restore({ id: 's', createdAt: 'x' }, RUN, ref);
    const second = await provider().restore({ id: 's', createdAt: 'x' }, RUN, ref);
    const third = await provider().restore({ id: 's', createdAt: 'x' }, RUN, ref);

    expect([first.state, second.state, third.state]).toEqual(['pending', 'pending', 'ready']);
    expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(0);
  });

  it('fails when the candidate ends in a state it cannot leave', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance(CANDIDATE, { DBInstanceStatus: 'incompatible-restore' })] });

    await expect(provider().restore({ id: 's', createdAt: 'x' }, RUN, { id: CANDIDATE, database: 'support' }))
      .rejects.toThrow(`candidate ${CANDIDATE} is "incompatible-restore": the restore cannot finish`);
  });
});

describe('RdsInstanceProvider swap through the private record', () => {
  const record = (value: string) => ({ ResourceRecordSets: [{ Name: 'db.staging.support.internal.', Type: 'CNAME' as const, TTL: 30, ResourceRecords: [{ Value: value }] }] });
  const change = (id: string, status: 'PENDING' | 'INSYNC') => ({ ChangeInfo: { Id: id, Status: status, SubmittedAt: new Date('2026-11-26T10:00:00Z') } });

  beforeEach(() => {
    route53.on(ChangeResourceRecordSetsCommand).resolves(change('/change/C0SWAP', 'PENDING'));
  });

  it('records what it replaces on the candidate, points the record at it, waits for INSYNC, then points the secret at the record', async () => {
    // Prepare: Route 53 answers PENDING once, then INSYNC.
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: CANDIDATE }).resolves({ DBInstances: [instance(CANDIDATE)] });
    route53.on(ListResourceRecordSetsCommand).resolves(record(endpoint('rehearsal-support-cand-0f0f0f0f')));
    route53.on(GetChangeCommand).resolvesOnce(change('/change/C0SWAP', 'PENDING')).resolves(change('/change/C0SWAP', 'INSYNC'));
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ host: 'old-host', port: 5432, dbname: 'support', username: 'bot', password: 'app-password' }) });
    secrets.on(PutSecretValueCommand).resolves({});
    rds.on(AddTagsToResourceCommand).resolves({});
    const swapping = provider();

    // Act
    const started = await swapping.promote({ id: CANDIDATE, database: 'support' });
    const stillPending = await swapping.promote({ id: CANDIDATE, database: 'support' }, started.value);
    const secretsBeforeInSync = secrets.commandCalls(PutSecretValueCommand).length;
    const progress = await swapping.promote({ id: CANDIDATE, database: 'support' }, stillPending.value);

    // Assert
    const staged = { staging: { id: CANDIDATE, database: 'support' }, previous: { id: 'rehearsal-support-cand-0f0f0f0f', database: 'support' } };
    expect(started).toEqual({ state: 'pending', retryAfterMs: 10_000, detail: `db.staging.support.internal now points at ${CANDIDATE}; waiting for Route 53 to apply it everywhere`, value: { ...staged, swap: { step: 'record-changing', changeId: '/change/C0SWAP' } } });
    expect(stillPending).toMatchObject({ state: 'pending', value: { swap: { step: 'record-changing', changeId: '/change/C0SWAP' } } });
    expect(secretsBeforeInSync).toBe(0);
    expect(progress).toEqual({ state: 'ready', value: { ...staged, swap: { step: 'promoted', changeId: '/change/C0SWAP' } } });
    expect(route53.commandCalls(GetChangeCommand).map((call) => call.args[0].input)).toEqual([{ Id: '/change/C0SWAP' }, { Id: '/change/C0SWAP' }]);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1);
    expect(rds.commandCalls(AddTagsToResourceCommand)[0]?.args[0].input).toEqual({
      ResourceName: arn(CANDIDATE), Tags: [{ Key: 'rehearsal:replaces', Value: 'rehearsal-support-cand-0f0f0f0f' }, { Key: 'rehearsal:role', Value: 'staging' }],
    });
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)[0]?.args[0].input).toEqual({
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      ChangeBatch: {
        Comment: `rehearsal: staging is now ${CANDIDATE}`,
        Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'db.staging.support.internal.', Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: endpoint(CANDIDATE) }] } }],
      },
    });
    expect(JSON.parse(secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretString ?? '{}')).toEqual({
      host: 'db.staging.support.internal', port: 5432, dbname: 'support', username: 'bot', password: 'app-password',
    });
  });

  it('on the first run replaces the configured staging instance and creates the record', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: CANDIDATE }).resolves({ DBInstances: [instance(CANDIDATE)] });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'support-staging' }).resolves({ DBInstances: [instance('support-staging')] });
    route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [] });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ host: 'db.staging.support.internal', port: 5432, dbname: 'support' }) });

    route53.on(GetChangeCommand).resolves(change('/change/C0SWAP', 'INSYNC'));
    const swapping = provider();

    const started = await swapping.promote({ id: CANDIDATE, database: 'support' });
    const progress = await swapping.promote({ id: CANDIDATE, database: 'support' }, started.value);

    expect(progress).toMatchObject({ state: 'ready', value: { previous: { id: 'support-staging', database: 'support' } } });
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('after a retry finds the database it replaces on the candidate tag, not on the record it already moved', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: CANDIDATE })
      .resolves({ DBInstances: [instance(CANDIDATE, { TagList: [{ Key: 'rehearsal:replaces', Value: 'rehearsal-support-cand-0f0f0f0f' }] })] });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ host: 'db.staging.support.internal', port: 5432, dbname: 'support' }) });

    const progress = await provider().promote({ id: CANDIDATE, database: 'support' });

    expect(progress.value.previous?.id).toBe('rehearsal-support-cand-0f0f0f0f');
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(0);
    expect(rds.commandCalls(AddTagsToResourceCommand)).toHaveLength(0);
  });

  it('rolls back by pointing the record at the previous database, then deleting the candidate once the change is INSYNC', async () => {
    // Prepare
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: CANDIDATE }).resolves({ DBInstances: [instance(CANDIDATE)] });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'support-staging' }).resolves({ DBInstances: [instance('support-staging')] });
    route53.on(ChangeResourceRecordSetsCommand).resolves(change('/change/C0BACK', 'PENDING'));
    route53.on(GetChangeCommand, { Id: '/change/C0BACK' }).resolvesOnce(change('/change/C0BACK', 'PENDING')).resolves(change('/change/C0BACK', 'INSYNC'));
    const promotion = { staging: { id: CANDIDATE, database: 'support' }, previous: { id: 'support-staging', database: 'support' }, swap: { step: 'promoted', changeId: '/change/C0SWAP' } };
    const rollingBack = provider();

    // Act
    const started = await rollingBack.rollback(promotion);
    const waiting = await rollingBack.rollback(started.value);
    const deletesBeforeInSync = rds.commandCalls(DeleteDBInstanceCommand).length;
    const done = await rollingBack.rollback(waiting.value);

    // Assert
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand).map((call) => call.args[0].input)).toEqual([{
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      ChangeBatch: {
        Comment: 'rehearsal rollback: staging is support-staging again',
        Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'db.staging.support.internal.', Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: endpoint('support-staging') }] } }],
      },
    }]);
    expect(started).toMatchObject({ state: 'pending', retryAfterMs: 10_000, value: { swap: { step: 'record-restoring', changeId: '/change/C0BACK' } } });
    expect(waiting.state).toBe('pending');
    expect(deletesBeforeInSync).toBe(0);
    expect(route53.commandCalls(GetChangeCommand).map((call) => call.args[0].input)).toEqual([{ Id: '/change/C0BACK' }, { Id: '/change/C0BACK' }]);
    expect(done).toEqual({ state: 'ready', value: { ...promotion, swap: { step: 'rolled-back' } } });
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((call) => call.args[0].input)).toEqual([
      { DBInstanceIdentifier: CANDIDATE, SkipFinalSnapshot: true, DeleteAutomatedBackups: true },
    ]);
  });

  it('rolls back a first run by deleting the record it created', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: CANDIDATE }).resolves({ DBInstances: [instance(CANDIDATE)] });
    route53.on(ListResourceRecordSetsCommand).resolves(record(endpoint(CANDIDATE)));

    route53.on(GetChangeCommand, { Id: '/change/C0SWAP' }).resolves(change('/change/C0SWAP', 'INSYNC'));
    const rollingBack = provider();

    const started = await rollingBack.rollback({ staging: { id: CANDIDATE, database: 'support' } });
    const done = await rollingBack.rollback(started.value);

    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)[0]?.args[0].input.ChangeBatch?.Changes?.[0]).toEqual({
      Action: 'DELETE', ResourceRecordSet: { Name: 'db.staging.support.internal.', Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: endpoint(CANDIDATE) }] },
    });
    expect(started).toMatchObject({ state: 'pending', value: { swap: { step: 'record-restoring', changeId: '/change/C0SWAP' } } });
    expect(done.state).toBe('ready');
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(1);
  });

  it('commits by marking the new staging committed, then deleting the previous database, unless staging keeps it', async () => {
    const promotion = { staging: { id: CANDIDATE, database: 'support' }, previous: { id: 'support-staging', database: 'support' } };
    const tagged: DBInstance['TagList'] = [];
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: CANDIDATE }).callsFake(() => ({ DBInstances: [instance(CANDIDATE, { TagList: [...tagged] })] }));
    rds.on(AddTagsToResourceCommand).callsFake((input: { Tags: NonNullable<DBInstance['TagList']> }) => void tagged.push(...input.Tags));

    await provider().commit(promotion);
    await provider({ keepPrevious: true }).commit(promotion);

    // Tagged once (a second commit finds the tag), before anything is deleted: a reaper must keep this staging.
    expect(rds.commandCalls(AddTagsToResourceCommand).map((call) => call.args[0].input)).toEqual([{ ResourceName: arn(CANDIDATE), Tags: [{ Key: 'rehearsal:committed', Value: 'true' }] }]);
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((call) => call.args[0].input.DBInstanceIdentifier)).toEqual(['support-staging']);
  });

  it('discards a candidate that is already gone without an error', async () => {
    rds.on(DeleteDBInstanceCommand).rejects(awsError('DBInstanceNotFoundFault'));

    await expect(provider().discard({ id: CANDIDATE, database: 'support' })).resolves.toBeUndefined();
  });
});

describe('RdsInstanceProvider.pruneSnapshots', () => {
  it("deletes only this bot's rehearsal snapshots beyond the newest N, across pages", async () => {
    const ours = (id: string, day: number, bot = 'support-bot') => ({
      DBSnapshotIdentifier: id, Status: 'available', SnapshotCreateTime: new Date(`2026-11-${String(day).padStart(2, '0')}T00:00:00Z`),
      TagList: [{ Key: 'rehearsal:managed-by', Value: 'rehearsal' }, { Key: 'rehearsal:bot', Value: bot }],
    });
    rds.on(DescribeDBSnapshotsCommand, { DBInstanceIdentifier: 'support-prod', SnapshotType: 'manual' })
      .resolves({ DBSnapshots: [ours('snap-20', 20), { DBSnapshotIdentifier: 'team-backup', Status: 'available', SnapshotCreateTime: new Date('2026-01-01'), TagList: [] }], Marker: 'page2' });
    rds.on(DescribeDBSnapshotsCommand, { DBInstanceIdentifier: 'support-prod', SnapshotType: 'manual', Marker: 'page2' })
      .resolves({ DBSnapshots: [ours('snap-25', 25), ours('snap-10', 10), ours('other-bot', 1, 'sales-bot')] });

    const removed = await provider().pruneSnapshots(2);

    expect(removed).toEqual(['snap-10']);
    expect(rds.commandCalls(DeleteDBSnapshotCommand).map((call) => call.args[0].input)).toEqual([{ DBSnapshotIdentifier: 'snap-10' }]);
  });
});

describe('RdsInstanceProvider.connection', () => {
  it('says its candidates are whole servers, so anonymize drops the other databases a restore copies', () => {
    expect(provider().restoresWholeServer).toBe(true);
  });

  it("reads the candidate's managed master secret and requires TLS", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance(CANDIDATE)] });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'postgres', password: 'generated-by-rds' }) });

    const config = await provider().connection({ id: CANDIDATE, database: 'support' });

    expect(config).toEqual({ host: endpoint(CANDIDATE), port: 5432, database: 'support', user: 'postgres', password: 'generated-by-rds', ssl: { rejectUnauthorized: true } });
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-${CANDIDATE}` });
  });
});

