import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createReaperHandler, REAPER_MARGIN_MS } from '../../../functions/reaper/handler';
import { RdsInstanceProvider } from '../../../shared/aws/rds-instance-provider';
import type { ReaperDeps } from '../../../shared/aws/reaper';
import { awsDeployment } from '../../../shared/aws/resources';
import { RunLock } from '../../../shared/aws/run-lock';
import { rdsConfig } from '../../shared/aws/factories';

const rds = mockClient(RDSClient);
const dynamo = mockClient(DynamoDBClient);
const RUN = '1a2b3c4d-0000-4000-8000-000000000000';
const CANDIDATE = 'rehearsal-support-cand-1a2b3c4d';
const STAGING = 'support-staging';
const PARKED = 'support-staging-previous-1a2b3c4d';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, progress: () => undefined };
let instances: Map<string, DBInstance>;

function instance(id: string, status: string, runId?: string): DBInstance {
  return {
    DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:eu-west-1:123456789012:db:${id}`, DBInstanceStatus: status,
    Endpoint: { Address: `${id}.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com`, Port: 5432 }, TagList: runId === undefined ? [] : [{ Key: 'rehearsal:run-id', Value: runId }],
  };
}

/** Rename-mode reaper dependencies over mocked RDS; RDS finishes renames while the reaper sleeps. */
function build(): ReaperDeps & { namespace: string } {
  const { staging } = awsDeployment(rdsConfig({ swap: { mode: 'rename' } }));
  if (staging.provider !== 'rds-instance') throw new Error('factory gave the wrong provider');
  const clients = { rds: new RDSClient({}), route53: new Route53Client({}), secrets: new SecretsManagerClient({}) };
  return {
    database: new RdsInstanceProvider({ bot: 'support-bot', productionIdentifier: 'support-prod', staging, clients }),
    clients, swap: { mode: 'rename', stagingIdentifier: STAGING }, candidatePrefix: staging.candidatePrefix, databaseName: staging.databaseName,
    lock: new RunLock(new DynamoDBClient({}), 'lock'), startRun: async () => false, lockForMs: 1, log: silent,
    dimensions: { Environment: 'staging', Bot: 'support-bot' }, namespace: 'Rehearsal',
    sleep: async () => {
      for (const [id, found] of instances) if (found.DBInstanceStatus === 'renaming') instances.set(id, { ...found, DBInstanceStatus: 'available' });
    },
  };
}

const event = {
  source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change',
  detail: { status: 'ABORTED', executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:m:x', input: JSON.stringify({ runId: RUN, deployId: 'custom:1' }) },
};
const contextWith = (remainingMs: number) => ({ functionName: 'reaper', awsRequestId: 'req-1', getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

beforeEach(() => {
  rds.reset();
  dynamo.reset();
  dynamo.on(UpdateItemCommand).resolves({});
  instances = new Map([[PARKED, instance(PARKED, 'available')], [STAGING, instance(STAGING, 'available', RUN)]]);
  rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
    const found = instances.get(input.DBInstanceIdentifier);
    if (!found) throw Object.assign(new Error('not found'), { name: 'DBInstanceNotFoundFault' });
    return { DBInstances: [found] };
  });
  rds.on(ModifyDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string; NewDBInstanceIdentifier: string }) => {
    const found = instances.get(input.DBInstanceIdentifier);
    instances.delete(input.DBInstanceIdentifier);
    if (found) instances.set(input.NewDBInstanceIdentifier, { ...found, DBInstanceIdentifier: input.NewDBInstanceIdentifier, DBInstanceStatus: 'renaming' });
    return {};
  });
  rds.on(DeleteDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string }) => void instances.delete(input.DBInstanceIdentifier));
});

describe('reaper handler (rename mode)', () => {
  it('waits only as long as the invocation has time left, keeping the lock for the retried invocation', async () => {
    const written: string[] = [];
    const handler = createReaperHandler(build, (text) => void written.push(text));

    // Act: exactly the margin left, so no time to wait on the rename it starts.
    const outcome = handler(event, contextWith(REAPER_MARGIN_MS));

    await expect(outcome).rejects.toThrow(/still waiting after 0 ms/);
    expect(rds.commandCalls(ModifyDBInstanceCommand).map((call) => call.args[0].input)).toEqual([{ DBInstanceIdentifier: STAGING, NewDBInstanceIdentifier: CANDIDATE, ApplyImmediately: true }]);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(written).toEqual([]);
  });

  it('settles the run, releases the lock and writes RefreshFailed when there is time', async () => {
    const written: string[] = [];
    const handler = createReaperHandler(build, (text) => void written.push(text));

    const result = await handler(event, contextWith(14 * 60_000));

    expect(result).toMatchObject({ action: 'reaped', runId: RUN, staging: 'rolled-back' });
    expect([...instances.keys()]).toEqual([STAGING]);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
    expect(written.join('')).toContain('"RefreshFailed"');
  });
});
