import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { RdsInstanceProvider } from '../../../shared/aws/rds-instance-provider';
import { reapExecution, type ReaperDeps } from '../../../shared/aws/reaper';
import { RENAME_POLL_MS } from '../../../shared/aws/rename-swap';
import { awsDeployment } from '../../../shared/aws/resources';
import { RunLock } from '../../../shared/aws/run-lock';
import { EnvironmentError } from '../../../shared/errors';
import { rdsConfig } from './factories';

const rds = mockClient(RDSClient);
const dynamo = mockClient(DynamoDBClient);
const RUN = '1a2b3c4d-0000-4000-8000-000000000000';
const CANDIDATE = 'rehearsal-support-cand-1a2b3c4d';
const STAGING = 'support-staging';
const PARKED = 'support-staging-previous-1a2b3c4d';
const endpoint = (id: string): string => `${id}.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com`;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, progress: () => undefined };

/** The databases RDS knows, by identifier. A rename shows as `renaming` under the new name until the reaper waits. */
let instances: Map<string, DBInstance>;
let waits: number[];

function instance(id: string, status = 'available', runId?: string): DBInstance {
  return {
    DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:eu-west-1:123456789012:db:${id}`, DBInstanceStatus: status,
    Endpoint: { Address: endpoint(id), Port: 5432 }, TagList: runId === undefined ? [] : [{ Key: 'rehearsal:run-id', Value: runId }],
  };
}

function deps(overrides: Partial<ReaperDeps> = {}): ReaperDeps {
  const { staging } = awsDeployment(rdsConfig({ swap: { mode: 'rename' } }));
  if (staging.provider !== 'rds-instance') throw new Error('factory gave the wrong provider');
  const clients = { rds: new RDSClient({}), route53: new Route53Client({}), secrets: new SecretsManagerClient({}) };
  return {
    database: new RdsInstanceProvider({ bot: 'support-bot', productionIdentifier: 'support-prod', staging, clients }),
    clients, swap: { mode: 'rename', stagingIdentifier: staging.instanceIdentifier }, candidatePrefix: staging.candidatePrefix, databaseName: staging.databaseName,
    lock: new RunLock(new DynamoDBClient({}), 'lock'), startRun: async () => false, lockForMs: 1, log: silent,
    dimensions: { Environment: 'staging', Bot: 'support-bot' },
    // RDS finishes every rename in progress while the reaper waits.
    sleep: async (ms) => {
      waits.push(ms);
      for (const [id, found] of instances) if (found.DBInstanceStatus === 'renaming') instances.set(id, { ...found, DBInstanceStatus: 'available' });
    },
    ...overrides,
  };
}

const timedOut = {
  source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change',
  detail: { status: 'TIMED_OUT', executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:m:x', input: JSON.stringify({ runId: RUN, deployId: 'custom:1' }) },
};

/** The renames and deletes the reaper sent, in order, as `from -> to` / `delete id`. */
function changes(): string[] {
  return rds.calls().flatMap((call) => {
    const command = call.args[0];
    if (command instanceof ModifyDBInstanceCommand) {
      expect(command.input).toEqual({ DBInstanceIdentifier: command.input.DBInstanceIdentifier, NewDBInstanceIdentifier: command.input.NewDBInstanceIdentifier, ApplyImmediately: true });
      return [`${command.input.DBInstanceIdentifier} -> ${command.input.NewDBInstanceIdentifier}`];
    }
    if (command instanceof DeleteDBInstanceCommand) {
      expect(command.input).toEqual({ DBInstanceIdentifier: command.input.DBInstanceIdentifier, SkipFinalSnapshot: true, DeleteAutomatedBackups: true });
      return [`delete ${command.input.DBInstanceIdentifier}`];
    }
    return [];
  });
}

beforeEach(() => {
  waits = [];
  rds.reset();
  dynamo.reset();
  dynamo.on(UpdateItemCommand).resolves({});
  rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
    const found = instances.get(input.DBInstanceIdentifier);
    if (!found) throw Object.assign(new Error('DBInstanceNotFoundFault from RDS'), { name: 'DBInstanceNotFoundFault' });
    return { DBInstances: [found] };
  });
  rds.on(ModifyDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string; NewDBInstanceIdentifier: string }) => {
    const found = instances.get(input.DBInstanceIdentifier);
    if (!found) throw Object.assign(new Error('DBInstanceNotFoundFault from RDS'), { name: 'DBInstanceNotFoundFault' });
    instances.delete(input.DBInstanceIdentifier);
    instances.set(input.NewDBInstanceIdentifier, { ...found, DBInstanceIdentifier: input.NewDBInstanceIdentifier, DBInstanceStatus: 'renaming', Endpoint: { Address: endpoint(input.NewDBInstanceIdentifier), Port: 5432 } });
    return {};
  });
  rds.on(DeleteDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
    instances.delete(input.DBInstanceIdentifier);
    return {};
  });
});

describe('reapExecution in rename mode (the execution state is lost: the step is read back from RDS)', () => {
  it('renames the candidate back, unparks staging and only then deletes the candidate, after a timeout once the candidate held staging’s name', async () => {
    // Prepare: staging parked under the run's name, the candidate (tagged with the run) renamed into staging's place.
    instances = new Map([[PARKED, instance(PARKED)], [STAGING, instance(STAGING, 'available', RUN)]]);

    // Act
    const result = await reapExecution(timedOut, deps());

    // Assert
    expect(result).toMatchObject({ action: 'reaped', runId: RUN, staging: 'rolled-back' });
    expect(changes()).toEqual([`${STAGING} -> ${CANDIDATE}`, `${PARKED} -> ${STAGING}`, `delete ${CANDIDATE}`]);
    expect([...instances.keys()]).toEqual([STAGING]);
    expect(instances.get(STAGING)?.TagList).toEqual([]);
    expect(waits).toEqual([RENAME_POLL_MS, RENAME_POLL_MS]);
    expect(dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input).toMatchObject({ ConditionExpression: 'holder = :run', ExpressionAttributeValues: { ':run': { S: RUN } } });
  });

  it('renames a parked staging back and deletes the candidate when the run stopped before the candidate moved', async () => {
    instances = new Map([[PARKED, instance(PARKED)], [CANDIDATE, instance(CANDIDATE, 'available', RUN)]]);

    const result = await reapExecution(timedOut, deps());

    expect(result).toMatchObject({ staging: 'rolled-back' });
    expect(changes()).toEqual([`${PARKED} -> ${STAGING}`, `delete ${CANDIDATE}`]);
    expect(waits).toEqual([RENAME_POLL_MS]);
  });

  it('waits for a rename staging was in the middle of (parking) before putting it back', async () => {
    // The park was issued: RDS shows the database as renaming under its new name.
    instances = new Map([[PARKED, instance(PARKED, 'renaming')], [CANDIDATE, instance(CANDIDATE, 'available', RUN)]]);

    const result = await reapExecution(timedOut, deps());

    expect(result).toMatchObject({ staging: 'rolled-back' });
    expect(changes()).toEqual([`${PARKED} -> ${STAGING}`, `delete ${CANDIDATE}`]);
    expect(waits).toEqual([RENAME_POLL_MS, RENAME_POLL_MS]);
  });

  it('only deletes the candidate when staging was never renamed', async () => {
    instances = new Map([[STAGING, instance(STAGING)], [CANDIDATE, instance(CANDIDATE, 'available', RUN)]]);

    const result = await reapExecution(timedOut, deps());

    expect(result).toMatchObject({ staging: 'candidate-discarded' });
    expect(changes()).toEqual([`delete ${CANDIDATE}`]);
    expect(waits).toEqual([]);
  });

  it('only deletes the candidate of a first refresh (no staging yet) that never got renamed', async () => {
    instances = new Map([[CANDIDATE, instance(CANDIDATE, 'available', RUN)]]);

    const result = await reapExecution(timedOut, deps());

    expect(result).toMatchObject({ staging: 'candidate-discarded' });
    expect(changes()).toEqual([`delete ${CANDIDATE}`]);
  });

  it('renames a first refresh’s candidate away from staging’s name and deletes it (no parked database)', async () => {
    instances = new Map([[STAGING, instance(STAGING, 'available', RUN)]]);

    const result = await reapExecution(timedOut, deps());

    expect(result).toMatchObject({ staging: 'rolled-back' });
    expect(changes()).toEqual([`${STAGING} -> ${CANDIDATE}`, `delete ${CANDIDATE}`]);
    expect(instances.size).toBe(0);
  });

  it('keeps the lock and fails (for Lambda to retry) when the rollback outlasts its budget, and the retry resumes from RDS', async () => {
    instances = new Map([[PARKED, instance(PARKED)], [STAGING, instance(STAGING, 'available', RUN)]]);

    // Act: an invocation with no time left to wait stops after the first rename.
    const first = reapExecution(timedOut, deps({ waitBudgetMs: 0 }));

    await expect(first).rejects.toThrow(EnvironmentError);
    await expect(first).rejects.toThrow(/still waiting after 0 ms .*renaming support-staging back to rehearsal-support-cand-1a2b3c4d.*resumes from what RDS shows/);
    expect(changes()).toEqual([`${STAGING} -> ${CANDIDATE}`]);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);

    // RDS finishes the rename between invocations; the retried invocation picks up from there.
    instances.set(CANDIDATE, { ...instances.get(CANDIDATE), DBInstanceStatus: 'available' });
    const second = await reapExecution(timedOut, deps());

    expect(second).toMatchObject({ staging: 'rolled-back' });
    expect(changes()).toEqual([`${STAGING} -> ${CANDIDATE}`, `${PARKED} -> ${STAGING}`, `delete ${CANDIDATE}`]);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  it('refuses to rename anything when staging is parked by the run but another database holds staging’s name', async () => {
    instances = new Map([[PARKED, instance(PARKED)], [STAGING, instance(STAGING, 'available', 'another-run')]]);

    await expect(reapExecution(timedOut, deps())).rejects.toThrow(/support-staging is not this run's candidate .*needs a look by hand/);
    expect(changes()).toEqual([]);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });
});
