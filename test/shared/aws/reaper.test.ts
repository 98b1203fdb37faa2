import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, GetChangeCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { RdsInstanceProvider } from '../../../shared/aws/rds-instance-provider';
import { reapExecution, type ReaperDeps } from '../../../shared/aws/reaper';
import { awsDeployment } from '../../../shared/aws/resources';
import { RunLock } from '../../../shared/aws/run-lock';
import { stagedVersionId } from '../../../shared/anonymize/role-credentials';
import { AwsRoleSecretStore } from '../../../shared/aws/role-secrets';
import { rdsConfig } from './factories';
import { fakeSecretsManager, labelsOf, type FakeSecret } from './support/fake-secrets-manager';

const rds = mockClient(RDSClient);
const route53 = mockClient(Route53Client);
const dynamo = mockClient(DynamoDBClient);
const secrets = mockClient(SecretsManagerClient);
const RUN = '1a2b3c4d-0000-4000-8000-000000000000';
const CANDIDATE = 'rehearsal-support-cand-1a2b3c4d';
const endpoint = (id: string): string => `${id}.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com`;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, progress: () => undefined };

function deps(): ReaperDeps {
  const { staging } = awsDeployment(rdsConfig());
  if (staging.provider !== 'rds-instance' || staging.swap.mode !== 'dns') throw new Error('factory gave the wrong provider');
  const clients = { rds: new RDSClient({}), route53: new Route53Client({}), secrets: new SecretsManagerClient({}) };
  return {
    database: new RdsInstanceProvider({ bot: 'support-bot', productionIdentifier: 'support-prod', staging, clients }),
    clients, swap: { mode: 'dns', record: staging.swap }, candidatePrefix: staging.candidatePrefix, databaseName: staging.databaseName,
    lock: new RunLock(new DynamoDBClient({}), 'lock'), startRun: async () => false, lockForMs: 1, log: silent,
    dimensions: { Environment: 'staging', Bot: 'support-bot' }, sleep: async (ms) => void waits.push(ms),
  };
}

const timedOut = (input: unknown) => ({
  source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change',
  detail: { status: 'TIMED_OUT', executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:m:x', input: JSON.stringify(input) },
});
const instance = (id: string, tags: { Key: string; Value: string }[] = []) => ({
  DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:eu-west-1:123456789012:db:${id}`, Endpoint: { Address: endpoint(id), Port: 5432 }, TagList: tags,
});

let waits: number[] = [];

beforeEach(() => {
  waits = [];
  rds.reset();
  route53.reset();
  route53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C0REAP', Status: 'PENDING', SubmittedAt: new Date() } });
  route53.on(GetChangeCommand, { Id: '/change/C0REAP' }).resolvesOnce({ ChangeInfo: { Id: '/change/C0REAP', Status: 'PENDING', SubmittedAt: new Date() } })
    .resolves({ ChangeInfo: { Id: '/change/C0REAP', Status: 'INSYNC', SubmittedAt: new Date() } });
  dynamo.reset();
  dynamo.on(UpdateItemCommand).resolves({});
  secrets.reset();
});

describe('reapExecution (runs that never reached Finish)', () => {
  it("points staging back at the database the run's candidate replaced, removes the candidate and releases the lock", async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: CANDIDATE }).resolves({ DBInstances: [instance(CANDIDATE, [{ Key: 'rehearsal:replaces', Value: 'support-staging' }])] });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'support-staging' }).resolves({ DBInstances: [instance('support-staging')] });
    route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: 'db.staging.support.internal.', Type: 'CNAME', ResourceRecords: [{ Value: endpoint(CANDIDATE) }] }] });

    const errors: string[] = [];
    const result = await reapExecution(timedOut({ runId: RUN, deployId: 'custom:1' }), { ...deps(), log: { ...silent, error: (message: string) => void errors.push(message) } });

    expect(result).toMatchObject({ action: 'reaped', runId: RUN, staging: 'rolled-back' });
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)[0]?.args[0].input.ChangeBatch?.Changes?.[0]?.ResourceRecordSet?.ResourceRecords).toEqual([{ Value: endpoint('support-staging') }]);
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input.DBInstanceIdentifier)).toEqual([CANDIDATE]);
    // The candidate went only after Route 53 said the record pointing back was INSYNC (one PENDING answer, so two waits).
    expect(waits).toEqual([10_000, 10_000]);
    expect(route53.commandCalls(GetChangeCommand).map((c) => c.args[0].input)).toEqual([{ Id: '/change/C0REAP' }, { Id: '/change/C0REAP' }]);
    expect(dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input).toMatchObject({ ConditionExpression: 'holder = :run', ExpressionAttributeValues: { ':run': { S: RUN } } });
    expect(result.action === 'reaped' ? result.metrics.map((m) => m.name) : []).toEqual(['RefreshFailed']);
    expect(errors).toEqual([`run ${RUN} TIMED_OUT: staging rolled-back, lock released; the next release, or a refresh requested by hand (a \`Manual Refresh Requested\` event from \`rehearsal.deploy\`), starts again from a fresh snapshot`]);
  });

  it('keeps staging as it is when the run committed before it stopped (it hung in publish): no rollback, no deletion, lock released', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: CANDIDATE }).resolves({ DBInstances: [instance(CANDIDATE, [
      { Key: 'rehearsal:replaces', Value: 'support-staging' }, { Key: 'rehearsal:run-id', Value: RUN }, { Key: 'rehearsal:committed', Value: 'true' },
    ])] });

    const result = await reapExecution(timedOut({ runId: RUN, deployId: 'custom:1' }), deps());

    expect(result).toMatchObject({ action: 'reaped', runId: RUN, staging: 'kept-committed' });
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input).toMatchObject({ ExpressionAttributeValues: { ':run': { S: RUN } } });
  });

  it("rolls back as usual when the committed tag belongs to another run's database", async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: CANDIDATE }).resolves({ DBInstances: [instance(CANDIDATE, [
      { Key: 'rehearsal:replaces', Value: 'support-staging' }, { Key: 'rehearsal:run-id', Value: 'another-run' }, { Key: 'rehearsal:committed', Value: 'true' },
    ])] });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'support-staging' }).resolves({ DBInstances: [instance('support-staging')] });
    route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: 'db.staging.support.internal.', Type: 'CNAME', ResourceRecords: [{ Value: endpoint(CANDIDATE) }] }] });

    const result = await reapExecution(timedOut({ runId: RUN, deployId: 'custom:1' }), deps());

    expect(result).toMatchObject({ action: 'reaped', staging: 'rolled-back' });
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input.DBInstanceIdentifier)).toEqual([CANDIDATE]);
  });

  it('only removes the candidate when staging was never switched to it', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance(CANDIDATE)] });
    route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: 'db.staging.support.internal.', Type: 'CNAME', ResourceRecords: [{ Value: endpoint('support-staging') }] }] });

    const result = await reapExecution(timedOut({ runId: RUN, deployId: 'custom:1' }), deps());

    expect(result).toMatchObject({ staging: 'candidate-discarded' });
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(1);
  });

  it('ignores other events and executions without a run id, touching nothing', async () => {
    const other = await reapExecution({ source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change', detail: { status: 'SUCCEEDED', executionArn: 'x', input: '{}' } }, deps());
    const foreign = await reapExecution(timedOut({ hello: 'world' }), deps());

    expect(other).toEqual({ action: 'ignored', reason: 'not a TIMED_OUT or ABORTED execution status change' });
    expect(foreign.action).toBe('ignored');
    expect([...rds.calls(), ...route53.calls(), ...dynamo.calls()]).toHaveLength(0);
  });

  describe('application role secrets (the run state is lost: the run\'s version is found by its derived id)', () => {
    const APP = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:support-staging/app-db-Ab12Cd';
    const BEFORE = 'a1b2c3d4-0000-4000-8000-000000000001';
    const OURS = stagedVersionId(RUN, APP);

    function withRoles(secret: FakeSecret): ReaperDeps {
      fakeSecretsManager(secrets, new Map([[APP, secret]]));
      return { ...deps(), roles: [{ name: 'app_user', secretArn: APP }], roleSecrets: new AwsRoleSecretStore(new SecretsManagerClient({}), async () => ({ host: 'h', port: 5432, dbname: 'd' })) };
    }

    it('puts the replaced version back as AWSCURRENT when promote had made the run\'s version current, and rolls staging back', async () => {
      // Prepare: promote ran (ours AWSCURRENT, the replaced one AWSPREVIOUS) and the record names the candidate.
      const secret: FakeSecret = { versions: new Map([[BEFORE, { value: '{"password":"before"}', stages: ['AWSPREVIOUS'] }], [OURS, { value: '{"password":"new"}', stages: ['AWSCURRENT'] }]]) };
      rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: CANDIDATE }).resolves({ DBInstances: [instance(CANDIDATE, [{ Key: 'rehearsal:replaces', Value: 'support-staging' }])] });
      rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'support-staging' }).resolves({ DBInstances: [instance('support-staging')] });
      route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: 'db.staging.support.internal.', Type: 'CNAME', ResourceRecords: [{ Value: endpoint(CANDIDATE) }] }] });

      // Act
      const result = await reapExecution(timedOut({ runId: RUN, deployId: 'custom:1' }), withRoles(secret));

      // Assert
      expect(result).toMatchObject({ staging: 'rolled-back' });
      expect(secrets.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input)).toEqual([
        { SecretId: APP, VersionStage: 'AWSCURRENT', MoveToVersionId: BEFORE, RemoveFromVersionId: OURS },
      ]);
      expect(labelsOf(secret)).toEqual({ [BEFORE]: ['AWSCURRENT'], [OURS]: ['AWSPREVIOUS'] });
    });

    it('leaves the secrets alone when staging cannot be rolled back (the database it replaced is gone): passwords stay with the database that has them', async () => {
      const secret: FakeSecret = { versions: new Map([[BEFORE, { value: '{"password":"before"}', stages: ['AWSPREVIOUS'] }], [OURS, { value: '{"password":"new"}', stages: ['AWSCURRENT'] }]]) };
      rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: CANDIDATE }).resolves({ DBInstances: [instance(CANDIDATE, [{ Key: 'rehearsal:replaces', Value: 'support-staging' }])] });
      rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'support-staging' }).rejects(Object.assign(new Error('gone'), { name: 'DBInstanceNotFoundFault' }));
      route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: 'db.staging.support.internal.', Type: 'CNAME', ResourceRecords: [{ Value: endpoint(CANDIDATE) }] }] });

      await expect(reapExecution(timedOut({ runId: RUN, deployId: 'custom:1' }), withRoles(secret))).rejects.toThrow('database support-staging does not exist or has no endpoint yet');

      expect(secrets.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
      expect(labelsOf(secret)).toEqual({ [BEFORE]: ['AWSPREVIOUS'], [OURS]: ['AWSCURRENT'] });
      expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
    });

    it('takes AWSPENDING off a version staged before the run stopped, and changes nothing on a second reap', async () => {
      const secret: FakeSecret = { versions: new Map([[BEFORE, { value: '{"password":"before"}', stages: ['AWSCURRENT'] }], [OURS, { value: '{"password":"new"}', stages: ['AWSPENDING'] }]]) };
      rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance(CANDIDATE)] });
      route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: 'db.staging.support.internal.', Type: 'CNAME', ResourceRecords: [{ Value: endpoint('support-staging') }] }] });
      const reaper = withRoles(secret);

      const first = await reapExecution(timedOut({ runId: RUN, deployId: 'custom:1' }), reaper);
      await reapExecution(timedOut({ runId: RUN, deployId: 'custom:1' }), reaper);

      expect(first).toMatchObject({ staging: 'candidate-discarded' });
      expect(secrets.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input)).toEqual([
        { SecretId: APP, VersionStage: 'AWSPENDING', RemoveFromVersionId: OURS },
      ]);
      expect(labelsOf(secret)).toEqual({ [BEFORE]: ['AWSCURRENT'] });
    });
  });
});
