import {
  CopyDBSnapshotCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient, RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { RdsInstanceProvider } from '../../../shared/aws/rds-instance-provider';
import { awsDeployment } from '../../../shared/aws/resources';
import { EnvironmentError } from '../../../shared/errors';
import { KMS_KEY, rdsConfig } from './factories';

const rds = mockClient(RDSClient);
const RUN = '1a2b3c4d-0000-4000-8000-000000000000';
const CANDIDATE = 'rehearsal-support-cand-1a2b3c4d';
const SNAPSHOT = { id: 'rehearsal-support-snap-1a2b3c4d', createdAt: '2026-11-26T08:00:00.000Z' };
const COPY = 'rehearsal-support-snap-1a2b3c4d-stgkey';
const PRODUCTION_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/9f8e7d6c-5b4a-3928-1716-a5b4c3d2e1f0';
const SNAPSHOT_TAGS = [
  { Key: 'team', Value: 'support' },
  { Key: 'rehearsal:managed-by', Value: 'rehearsal' },
  { Key: 'rehearsal:bot', Value: 'support-bot' },
  { Key: 'rehearsal:run-id', Value: RUN },
  { Key: 'rehearsal:role', Value: 'snapshot' },
  { Key: 'rehearsal:source', Value: 'support-prod' },
];

function provider(): RdsInstanceProvider {
  const deployment = awsDeployment(rdsConfig());
  if (deployment.staging.provider !== 'rds-instance') throw new Error('factory gave the wrong provider');
  return new RdsInstanceProvider({
    bot: 'support-bot', productionIdentifier: 'support-prod', staging: deployment.staging,
    clients: { rds: new RDSClient({}), route53: new Route53Client({}), secrets: new SecretsManagerClient({}) },
  });
}

function awsError(name: string): Error {
  return Object.assign(new Error(`${name} from RDS`), { name });
}

/** The RDS commands sent, in order, each with the snapshot it writes or reads (else the instance). */
function sentInOrder(): string[] {
  return rds.calls().map((call) => {
    const command = call.args[0];
    const input = command.input as Record<string, unknown>;
    const target = input['TargetDBSnapshotIdentifier'] ?? input['DBSnapshotIdentifier'] ?? input['DBInstanceIdentifier'];
    return `${command.constructor.name.replace(/Command$/, '')} ${String(target)}`;
  });
}

beforeEach(() => {
  rds.reset();
  rds.on(DescribeDBInstancesCommand).rejects(awsError('DBInstanceNotFoundFault'));
  rds.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
  rds.on(CopyDBSnapshotCommand).resolves({});
});

describe("RdsInstanceProvider.restore in staging's KMS key", () => {
  it("restores the snapshot itself, copying nothing, when it is already in staging's key", async () => {
    // Prepare
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: SNAPSHOT.id }).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: SNAPSHOT.id, Status: 'available', KmsKeyId: KMS_KEY }] });

    // Act
    const progress = await provider().restore(SNAPSHOT, RUN);

    // Assert
    expect(progress).toMatchObject({ state: 'pending', value: { id: CANDIDATE } });
    expect(sentInOrder()).toEqual([`DescribeDBInstances ${CANDIDATE}`, `DescribeDBSnapshots ${SNAPSHOT.id}`, `RestoreDBInstanceFromDBSnapshot ${SNAPSHOT.id}`]);
    expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0]?.args[0].input.DBSnapshotIdentifier).toBe(SNAPSHOT.id);
    expect(rds.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });

  it("copies a snapshot in production's key into staging's, waits for the copy, then restores from the copy", async () => {
    // Prepare: the copy does not exist, then is being created, then is available.
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: SNAPSHOT.id }).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: SNAPSHOT.id, Status: 'available', KmsKeyId: PRODUCTION_KEY }] });
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: COPY })
      .rejectsOnce(awsError('DBSnapshotNotFoundFault'))
      .resolvesOnce({ DBSnapshots: [{ DBSnapshotIdentifier: COPY, Status: 'creating', PercentProgress: 40, KmsKeyId: KMS_KEY }] })
      .resolves({ DBSnapshots: [{ DBSnapshotIdentifier: COPY, Status: 'available', KmsKeyId: KMS_KEY }] });

    // Act: the state machine calls again after each pending answer, passing back the candidate ref.
    const started = await provider().restore(SNAPSHOT, RUN);
    const copying = await provider().restore(SNAPSHOT, RUN, started.value);
    const restoring = await provider().restore(SNAPSHOT, RUN, copying.value);

    // Assert
    expect(started).toMatchObject({ state: 'pending', value: { id: CANDIDATE, database: 'support' }, retryAfterMs: 60_000, detail: expect.stringContaining(`copy ${COPY} started`) });
    expect(copying).toMatchObject({ state: 'pending', value: { id: CANDIDATE }, retryAfterMs: 60_000, detail: `snapshot copy ${COPY} is creating (40%)` });
    expect(restoring).toMatchObject({ state: 'pending', value: { id: CANDIDATE }, retryAfterMs: 30_000, detail: `restore of ${CANDIDATE} from ${COPY} started` });
    expect(sentInOrder()).toEqual([
      `DescribeDBInstances ${CANDIDATE}`, `DescribeDBSnapshots ${SNAPSHOT.id}`, `DescribeDBSnapshots ${COPY}`, `CopyDBSnapshot ${COPY}`,
      `DescribeDBInstances ${CANDIDATE}`, `DescribeDBSnapshots ${SNAPSHOT.id}`, `DescribeDBSnapshots ${COPY}`,
      `DescribeDBInstances ${CANDIDATE}`, `DescribeDBSnapshots ${SNAPSHOT.id}`, `DescribeDBSnapshots ${COPY}`, `RestoreDBInstanceFromDBSnapshot ${COPY}`,
    ]);
    expect(rds.commandCalls(CopyDBSnapshotCommand)[0]?.args[0].input).toEqual({
      SourceDBSnapshotIdentifier: SNAPSHOT.id,
      TargetDBSnapshotIdentifier: COPY,
      KmsKeyId: KMS_KEY,
      CopyTags: false,
      Tags: SNAPSHOT_TAGS,
    });
    expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[0]?.args[0].input).toMatchObject({ DBInstanceIdentifier: CANDIDATE, DBSnapshotIdentifier: COPY });
  });

  it('copies an unencrypted snapshot into staging\'s key too', async () => {
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: SNAPSHOT.id }).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: SNAPSHOT.id, Status: 'available', Encrypted: false }] });
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: COPY }).rejects(awsError('DBSnapshotNotFoundFault'));

    const progress = await provider().restore(SNAPSHOT, RUN);

    expect(progress).toMatchObject({ state: 'pending', detail: expect.stringContaining('(unencrypted)') });
    expect(rds.commandCalls(CopyDBSnapshotCommand)[0]?.args[0].input).toMatchObject({ TargetDBSnapshotIdentifier: COPY, KmsKeyId: KMS_KEY });
    expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(0);
  });

  it('treats a copy a retried call already started as its own', async () => {
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: SNAPSHOT.id }).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: SNAPSHOT.id, Status: 'available', KmsKeyId: PRODUCTION_KEY }] });
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: COPY }).rejects(awsError('DBSnapshotNotFoundFault'));
    rds.on(CopyDBSnapshotCommand).rejects(awsError('DBSnapshotAlreadyExistsFault'));

    await expect(provider().restore(SNAPSHOT, RUN)).resolves.toMatchObject({ state: 'pending', value: { id: CANDIDATE } });
    expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(0);
  });

  it('fails, restoring nothing, when the copy ends in a state it cannot leave', async () => {
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: SNAPSHOT.id }).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: SNAPSHOT.id, Status: 'available', KmsKeyId: PRODUCTION_KEY }] });
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: COPY }).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: COPY, Status: 'failed' }] });

    const result = provider().restore(SNAPSHOT, RUN);

    await expect(result).rejects.toBeInstanceOf(EnvironmentError);
    await expect(result).rejects.toThrow(`snapshot copy ${COPY} is "failed", expected "creating" or "available"`);
    expect(rds.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(0);
  });

  it('fails with the snapshot named when it is gone', async () => {
    rds.on(DescribeDBSnapshotsCommand).rejects(awsError('DBSnapshotNotFoundFault'));

    await expect(provider().restore(SNAPSHOT, RUN)).rejects.toThrow(`snapshot ${SNAPSHOT.id} does not exist: it cannot be restored`);
  });
});
