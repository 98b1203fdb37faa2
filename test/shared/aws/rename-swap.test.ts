import {
  DeleteDBClusterCommand, DeleteDBInstanceCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand, ModifyDBClusterCommand, ModifyDBInstanceCommand,
  RDSClient, type DBCluster, type DBInstance,
} from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { AuroraClusterProvider } from '../../../shared/aws/aurora-cluster-provider';
import { RdsInstanceProvider } from '../../../shared/aws/rds-instance-provider';
import { parkedIdentifier } from '../../../shared/aws/rename-swap';
import { awsDeployment } from '../../../shared/aws/resources';
import type { Promotion } from '../../../shared/db/provider';
import { EnvironmentError } from '../../../shared/errors';
import { auroraConfig, rdsConfig, STAGING_SECRET } from './factories';

const rds = mockClient(RDSClient);
const route53 = mockClient(Route53Client);
const secrets = mockClient(SecretsManagerClient);
const RUN = '1a2b3c4d-0000-4000-8000-000000000000';
const CANDIDATE = 'rehearsal-support-cand-1a2b3c4d';
const STAGING = 'support-staging';
const PARKED = 'support-staging-previous-1a2b3c4d';
const endpoint = (id: string): string => `${id}.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com`;
const RENAME = { swap: { mode: 'rename' } };

/** The databases RDS knows, by identifier: each test moves them around as RDS would between calls. */
let instances: Map<string, DBInstance>;

function instance(id: string, status = 'available', runId?: string): DBInstance {
  return {
    DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:eu-west-1:123456789012:db:${id}`, DBInstanceStatus: status,
    Endpoint: { Address: endpoint(id), Port: 5432 }, TagList: runId === undefined ? [] : [{ Key: 'rehearsal:run-id', Value: runId }],
  };
}

/** RDS finishing a rename: the database is now known under its new identifier, with the new status. */
function renamed(from: string, to: string, status = 'available'): void {
  const found = instances.get(from);
  if (!found) throw new Error(`test setup: no ${from}`);
  instances.delete(from);
  instances.set(to, { ...found, DBInstanceIdentifier: to, DBInstanceStatus: status, Endpoint: { Address: endpoint(to), Port: 5432 } });
}

function rdsProvider(): RdsInstanceProvider {
  const deployment = awsDeployment(rdsConfig(RENAME));
  if (deployment.staging.provider !== 'rds-instance') throw new Error('factory gave the wrong provider');
  return new RdsInstanceProvider({
    bot: 'support-bot', productionIdentifier: 'support-prod', staging: deployment.staging,
    clients: { rds: new RDSClient({}), route53: new Route53Client({}), secrets: new SecretsManagerClient({}) },
  });
}

function awsError(name: string): Error {
  return Object.assign(new Error(`${name} from RDS`), { name });
}

/** Every RDS call in order, as `Command input-json`, describes left out unless asked for. */
function rdsCalls(withDescribes = false): string[] {
  return rds.calls()
    .map((call) => { const command = call.args[0] as unknown as { constructor: { name: string }; input: unknown }; return `${command.constructor.name} ${JSON.stringify(command.input)}`; })
    .filter((line) => withDescribes || !line.startsWith('Describe'));
}

beforeEach(() => {
  rds.reset();
  route53.reset();
  secrets.reset();
  instances = new Map([[STAGING, instance(STAGING)], [CANDIDATE, instance(CANDIDATE, 'available', RUN)]]);
  rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
    const found = instances.get(input.DBInstanceIdentifier);
    if (!found) throw awsError('DBInstanceNotFoundFault');
    return { DBInstances: [found] };
  });
  rds.on(ModifyDBInstanceCommand).resolves({});
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ host: endpoint(STAGING), port: 5432, dbname: 'support', username: 'app', password: 'kept' }) });
});

describe('parkedIdentifier', () => {
  it('names the parked database after staging and the run, within 63 characters and without a trailing hyphen', () => {
    expect(parkedIdentifier('Support-Staging', RUN)).toBe(PARKED);
    const long = parkedIdentifier(`s${'-a'.repeat(31)}`, RUN);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long.endsWith('-previous-1a2b3c4d')).toBe(true);
    expect(long).not.toMatch(/--/);
  });
});

describe('rename swap of an RDS instance: promote', () => {
  it('parks staging, waits, renames the candidate to staging, waits, with exact inputs in order', async () => {
    // Prepare
    const provider = rdsProvider();

    // Act: each call returns pending until RDS (the map) finished the rename it started.
    const first = await provider.promote({ id: CANDIDATE, database: 'support' });
    const stillParking = await provider.promote({ id: CANDIDATE, database: 'support' }, first.value);
    renamed(STAGING, PARKED);
    const second = await provider.promote({ id: CANDIDATE, database: 'support' }, stillParking.value);
    const stillRenaming = await provider.promote({ id: CANDIDATE, database: 'support' }, second.value);
    renamed(CANDIDATE, STAGING);
    const done = await provider.promote({ id: CANDIDATE, database: 'support' }, stillRenaming.value);

    // Assert
    expect([first, stillParking, second, stillRenaming].map((progress) => progress.state)).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(first).toMatchObject({ retryAfterMs: 30_000, detail: `renaming ${STAGING} to ${PARKED}` });
    expect(done).toEqual({
      state: 'ready',
      value: { staging: { id: STAGING, database: 'support' }, previous: { id: PARKED, database: 'support' }, swap: { step: 'promoted', candidate: CANDIDATE, runId: RUN } },
    });
    expect(rdsCalls()).toEqual([
      `ModifyDBInstanceCommand ${JSON.stringify({ DBInstanceIdentifier: STAGING, NewDBInstanceIdentifier: PARKED, ApplyImmediately: true })}`,
      `ModifyDBInstanceCommand ${JSON.stringify({ DBInstanceIdentifier: CANDIDATE, NewDBInstanceIdentifier: STAGING, ApplyImmediately: true })}`,
    ]);
    // The secret already names staging's endpoint, which a rename keeps: nothing is written.
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: STAGING_SECRET }]);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('resumes a retried first call that already parked staging instead of parking it twice', async () => {
    // Prepare: the first call's rename went through but its result was lost.
    renamed(STAGING, PARKED, 'renaming');

    // Act
    const progress = await rdsProvider().promote({ id: CANDIDATE, database: 'support' });

    // Assert
    expect(progress).toMatchObject({ state: 'pending', value: { previous: { id: PARKED }, swap: { step: 'parking' } } });
    expect(rdsCalls()).toEqual([]);
  });

  it('on the first refresh (no staging yet) renames the candidate straight to staging', async () => {
    // Prepare
    instances.delete(STAGING);

    // Act
    const progress = await rdsProvider().promote({ id: CANDIDATE, database: 'support' });

    // Assert
    expect(progress).toMatchObject({ state: 'pending', value: { staging: { id: STAGING }, swap: { step: 'promoting' } } });
    expect(progress.value.previous).toBeUndefined();
    expect(rdsCalls()).toEqual([`ModifyDBInstanceCommand ${JSON.stringify({ DBInstanceIdentifier: CANDIDATE, NewDBInstanceIdentifier: STAGING, ApplyImmediately: true })}`]);
  });

  it('refuses to call a database promoted when staging carries another run id', async () => {
    // Prepare: staging's name answers, but it is not this run's candidate.
    const pending: Promotion = { staging: { id: STAGING, database: 'support' }, previous: { id: PARKED, database: 'support' }, swap: { step: 'promoting', candidate: CANDIDATE, runId: RUN } };

    // Act / Assert
    await expect(rdsProvider().promote({ id: CANDIDATE, database: 'support' }, pending)).rejects.toThrow(EnvironmentError);
  });
});

describe('rename swap of an RDS instance: a failure mid-rename, then rollback', () => {
  it('after the candidate rename failed, puts the parked database back under staging, then deletes the candidate', async () => {
    // Prepare: staging parked; renaming the candidate is refused (the candidate is busy, past the retries).
    const provider = rdsProvider();
    const parking = await provider.promote({ id: CANDIDATE, database: 'support' });
    renamed(STAGING, PARKED);
    rds.on(ModifyDBInstanceCommand, { DBInstanceIdentifier: CANDIDATE }).rejects(awsError('InvalidDBInstanceStateFault'));
    await expect(provider.promote({ id: CANDIDATE, database: 'support' }, parking.value)).rejects.toThrow('renaming DB instance rehearsal-support-cand-1a2b3c4d to support-staging failed: InvalidDBInstanceStateFault');
    rds.on(ModifyDBInstanceCommand, { DBInstanceIdentifier: CANDIDATE }).resolves({});
    rds.resetHistory();

    // Act: rollback from the state the failed call left (step parking).
    const started = await provider.rollback(parking.value);
    const waiting = await provider.rollback(started.value);
    renamed(PARKED, STAGING);
    const done = await provider.rollback(waiting.value);

    // Assert
    expect([started.state, waiting.state, done.state]).toEqual(['pending', 'pending', 'ready']);
    expect(done.value.swap).toEqual({ step: 'rolled-back', candidate: CANDIDATE, runId: RUN });
    expect(rdsCalls()).toEqual([
      `ModifyDBInstanceCommand ${JSON.stringify({ DBInstanceIdentifier: PARKED, NewDBInstanceIdentifier: STAGING, ApplyImmediately: true })}`,
      `DeleteDBInstanceCommand ${JSON.stringify({ DBInstanceIdentifier: CANDIDATE, SkipFinalSnapshot: true, DeleteAutomatedBackups: true })}`,
    ]);
  });

  it('after a finished promote, renames the candidate back, then the parked database back, each after its wait', async () => {
    // Prepare: the swap finished; a later check failed.
    instances = new Map([[PARKED, instance(PARKED)], [STAGING, instance(STAGING, 'available', RUN)]]);
    const promotion: Promotion = { staging: { id: STAGING, database: 'support' }, previous: { id: PARKED, database: 'support' }, swap: { step: 'promoted', candidate: CANDIDATE, runId: RUN } };
    const provider = rdsProvider();

    // Act
    const first = await provider.rollback(promotion);
    renamed(STAGING, CANDIDATE);
    const second = await provider.rollback(first.value);
    renamed(PARKED, STAGING);
    const done = await provider.rollback(second.value);

    // Assert
    expect(first).toMatchObject({ state: 'pending', value: { swap: { step: 'unpromoting' } } });
    expect(second).toMatchObject({ state: 'pending', value: { swap: { step: 'unparking' } } });
    expect(done).toMatchObject({ state: 'ready', value: { swap: { step: 'rolled-back' } } });
    expect(rdsCalls()).toEqual([
      `ModifyDBInstanceCommand ${JSON.stringify({ DBInstanceIdentifier: STAGING, NewDBInstanceIdentifier: CANDIDATE, ApplyImmediately: true })}`,
      `ModifyDBInstanceCommand ${JSON.stringify({ DBInstanceIdentifier: PARKED, NewDBInstanceIdentifier: STAGING, ApplyImmediately: true })}`,
      `DeleteDBInstanceCommand ${JSON.stringify({ DBInstanceIdentifier: CANDIDATE, SkipFinalSnapshot: true, DeleteAutomatedBackups: true })}`,
    ]);
    expect(await provider.rollback(done.value)).toEqual(done);
  });

  it('rolls back a first refresh (no staging before) by renaming the candidate back and deleting it', async () => {
    // Prepare: the candidate took staging's identifier; there was nothing to park.
    instances = new Map([[STAGING, instance(STAGING, 'available', RUN)]]);
    const provider = rdsProvider();

    // Act
    const started = await provider.rollback({ staging: { id: STAGING, database: 'support' }, swap: { step: 'promoted', candidate: CANDIDATE, runId: RUN } });
    renamed(STAGING, CANDIDATE);
    const done = await provider.rollback(started.value);

    // Assert
    expect(done).toMatchObject({ state: 'ready', value: { swap: { step: 'rolled-back' } } });
    expect(rdsCalls()).toEqual([
      `ModifyDBInstanceCommand ${JSON.stringify({ DBInstanceIdentifier: STAGING, NewDBInstanceIdentifier: CANDIDATE, ApplyImmediately: true })}`,
      `DeleteDBInstanceCommand ${JSON.stringify({ DBInstanceIdentifier: CANDIDATE, SkipFinalSnapshot: true, DeleteAutomatedBackups: true })}`,
    ]);
  });

  it('commits by marking the new staging committed, then deleting the parked database', async () => {
    // Act
    await rdsProvider().commit({ staging: { id: STAGING, database: 'support' }, previous: { id: PARKED, database: 'support' }, swap: { step: 'promoted', candidate: CANDIDATE, runId: RUN } });

    // Assert
    expect(rdsCalls()).toEqual([
      `AddTagsToResourceCommand ${JSON.stringify({ ResourceName: `arn:aws:rds:eu-west-1:123456789012:db:${STAGING}`, Tags: [{ Key: 'rehearsal:committed', Value: 'true' }] })}`,
      `DeleteDBInstanceCommand ${JSON.stringify({ DBInstanceIdentifier: PARKED, SkipFinalSnapshot: true, DeleteAutomatedBackups: true })}`,
    ]);
  });
});

describe('rename swap of an Aurora cluster', () => {
  it('renames clusters with NewDBClusterIdentifier (instances keep their names) and commit deletes the parked cluster and its writer', async () => {
    // Prepare
    const clusters = new Map<string, DBCluster>([
      [STAGING, { DBClusterIdentifier: STAGING, Status: 'available', Endpoint: endpoint(STAGING), TagList: [], DBClusterMembers: [{ DBInstanceIdentifier: 'support-staging-w' }] }],
      [CANDIDATE, { DBClusterIdentifier: CANDIDATE, Status: 'available', Endpoint: endpoint(CANDIDATE), TagList: [{ Key: 'rehearsal:run-id', Value: RUN }], DBClusterMembers: [{ DBInstanceIdentifier: `${CANDIDATE}-w` }] }],
    ]);
    const move = (from: string, to: string): void => {
      const found = clusters.get(from);
      if (found) clusters.set(to, { ...found, DBClusterIdentifier: to, Endpoint: endpoint(to) });
      clusters.delete(from);
    };
    rds.on(DescribeDBClustersCommand).callsFake((input: { DBClusterIdentifier: string }) => {
      const found = clusters.get(input.DBClusterIdentifier);
      if (!found) throw awsError('DBClusterNotFoundFault');
      return { DBClusters: [found] };
    });
    rds.on(ModifyDBClusterCommand).resolves({});
    const deployment = awsDeployment(auroraConfig(RENAME));
    if (deployment.staging.provider !== 'aurora-cluster') throw new Error('factory gave the wrong provider');
    const provider = new AuroraClusterProvider({
      bot: 'support-bot', productionIdentifier: 'support-prod', staging: deployment.staging,
      clients: { rds: new RDSClient({}), route53: new Route53Client({}), secrets: new SecretsManagerClient({}) },
    });

    // Act
    const parking = await provider.promote({ id: CANDIDATE, database: 'support' });
    move(STAGING, PARKED);
    const promoting = await provider.promote({ id: CANDIDATE, database: 'support' }, parking.value);
    move(CANDIDATE, STAGING);
    const done = await provider.promote({ id: CANDIDATE, database: 'support' }, promoting.value);
    await provider.commit(done.value);

    // Assert
    expect(done).toMatchObject({ state: 'ready', value: { staging: { id: STAGING }, previous: { id: PARKED }, swap: { step: 'promoted' } } });
    expect(rdsCalls()).toEqual([
      `ModifyDBClusterCommand ${JSON.stringify({ DBClusterIdentifier: STAGING, NewDBClusterIdentifier: PARKED, ApplyImmediately: true })}`,
      `ModifyDBClusterCommand ${JSON.stringify({ DBClusterIdentifier: CANDIDATE, NewDBClusterIdentifier: STAGING, ApplyImmediately: true })}`,
      `DeleteDBInstanceCommand ${JSON.stringify({ DBInstanceIdentifier: 'support-staging-w', SkipFinalSnapshot: true })}`,
      `DeleteDBClusterCommand ${JSON.stringify({ DBClusterIdentifier: PARKED, SkipFinalSnapshot: true, DeleteAutomatedBackups: true })}`,
    ]);
    expect(rds.commandCalls(DeleteDBClusterCommand)).toHaveLength(1);
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(1);
  });
});
