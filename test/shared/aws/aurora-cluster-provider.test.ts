import {
  CreateDBClusterSnapshotCommand, CreateDBInstanceCommand, DeleteDBClusterCommand, DeleteDBInstanceCommand, DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand, DescribeDBInstancesCommand, ModifyDBClusterCommand, RDSClient, RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand, type DBCluster,
} from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { AuroraClusterProvider } from '../../../shared/aws/aurora-cluster-provider';
import { awsDeployment } from '../../../shared/aws/resources';
import { EnvironmentError } from '../../../shared/errors';
import { auroraConfig, KMS_KEY } from './factories';

const rds = mockClient(RDSClient);
const RUN = '1a2b3c4d-0000-4000-8000-000000000000';
const CANDIDATE = 'rehearsal-support-cand-1a2b3c4d';
const SNAPSHOT = { id: 'rehearsal-support-snap-1a2b3c4d', createdAt: '2026-11-26T08:00:00.000Z' };
const notFound = (name: string): Error => Object.assign(new Error(name), { name });

function provider(stagingOverrides: Record<string, unknown> = {}): AuroraClusterProvider {
  const { staging } = awsDeployment(auroraConfig(stagingOverrides));
  if (staging.provider !== 'aurora-cluster') throw new Error('factory gave the wrong provider');
  return new AuroraClusterProvider({
    bot: 'support-bot', productionIdentifier: 'support-prod', staging, now: () => new Date('2026-11-26T08:00:00Z'),
    clients: { rds: new RDSClient({}), route53: new Route53Client({}), secrets: new SecretsManagerClient({}) },
  });
}

function cluster(overrides: Partial<DBCluster> = {}): DBCluster {
  return { DBClusterIdentifier: CANDIDATE, Status: 'available', Engine: 'aurora-postgresql', Endpoint: `${CANDIDATE}.cluster-c1a2b3.eu-west-1.rds.amazonaws.com`, ...overrides };
}

beforeEach(() => rds.reset());

describe('AuroraClusterProvider', () => {
  it('says its candidates are whole servers, so anonymize drops the other databases a restore copies', () => {
    expect(provider().restoresWholeServer).toBe(true);
  });

  it('snapshots the production cluster with a tagged cluster snapshot', async () => {
    await provider().snapshot(RUN);

    expect(rds.commandCalls(CreateDBClusterSnapshotCommand)[0]?.args[0].input).toMatchObject({
      DBClusterIdentifier: 'support-prod', DBClusterSnapshotIdentifier: 'rehearsal-support-snap-1a2b3c4d',
      Tags: expect.arrayContaining([{ Key: 'rehearsal:managed-by', Value: 'rehearsal' }]),
    });
  });

  it("restores the cluster with every setting explicit and the snapshot's engine", async () => {
    rds.on(DescribeDBClustersCommand).rejects(notFound('DBClusterNotFoundFault'));
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [{ Engine: 'aurora-postgresql', EngineVersion: '16.4' }] });

    const progress = await provider().restore(SNAPSHOT, RUN);

    expect(progress).toMatchObject({ state: 'pending', value: { id: CANDIDATE, database: 'support' } });
    expect(rds.commandCalls(RestoreDBClusterFromSnapshotCommand)[0]?.args[0].input).toEqual({
      DBClusterIdentifier: CANDIDATE,
      SnapshotIdentifier: SNAPSHOT.id,
      Engine: 'aurora-postgresql',
      EngineVersion: '16.4',
      Port: 5432,
      DBSubnetGroupName: 'staging-db-private',
      VpcSecurityGroupIds: ['sg-0a1b2c3d4e5f60789'],
      DBClusterParameterGroupName: 'staging-aurora16',
      KmsKeyId: KMS_KEY,
      Tags: expect.arrayContaining([{ Key: 'rehearsal:role', Value: 'candidate' }]),
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
      BackupRetentionPeriod: 1,
    });
  });

  it('once the cluster is available, replaces its master password and creates its writer', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster()] });
    rds.on(DescribeDBInstancesCommand).rejects(notFound('DBInstanceNotFoundFault'));

    const progress = await provider().restore(SNAPSHOT, RUN, { id: CANDIDATE, database: 'support' });

    expect(progress.state).toBe('pending');
    expect(rds.commandCalls(ModifyDBClusterCommand)[0]?.args[0].input).toEqual({
      DBClusterIdentifier: CANDIDATE, ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: KMS_KEY, ApplyImmediately: true,
    });
    expect(rds.commandCalls(CreateDBInstanceCommand)[0]?.args[0].input).toEqual({
      DBInstanceIdentifier: `${CANDIDATE}-w`, DBClusterIdentifier: CANDIDATE, Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.medium',
      DBParameterGroupName: 'staging-postgres16', PubliclyAccessible: false, AutoMinorVersionUpgrade: false,
      Tags: expect.arrayContaining([{ Key: 'rehearsal:bot', Value: 'support-bot' }]),
    });
  });

  it('is ready when the writer is available and the managed secret active', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ MasterUserSecret: { SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-x', SecretStatus: 'active' } })] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] });

    const progress = await provider().restore(SNAPSHOT, RUN, { id: CANDIDATE, database: 'support' });

    expect(progress).toEqual({ state: 'ready', value: { id: CANDIDATE, database: 'support' } });
    expect(rds.commandCalls(ModifyDBClusterCommand)).toHaveLength(0);
    expect(rds.commandCalls(CreateDBInstanceCommand)).toHaveLength(0);
  });

  it('in clone mode takes no snapshot and clones production copy-on-write', async () => {
    rds.on(DescribeDBClustersCommand).rejects(notFound('DBClusterNotFoundFault'));
    const clone = provider({ method: 'clone' });

    const snapshot = await clone.snapshot(RUN);
    await clone.restore(snapshot.value, RUN);

    expect(snapshot).toEqual({ state: 'ready', value: { id: 'clone-of-support-prod', createdAt: '2026-11-26T08:00:00.000Z' } });
    expect(rds.commandCalls(CreateDBClusterSnapshotCommand)).toHaveLength(0);
    expect(rds.commandCalls(RestoreDBClusterToPointInTimeCommand)[0]?.args[0].input).toMatchObject({
      DBClusterIdentifier: CANDIDATE, SourceDBClusterIdentifier: 'support-prod', RestoreType: 'copy-on-write', UseLatestRestorableTime: true, KmsKeyId: KMS_KEY,
    });
  });

  it('removes a cluster by deleting its instances first', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster({ DBClusterMembers: [{ DBInstanceIdentifier: `${CANDIDATE}-w` }] })] });

    await provider().discard({ id: CANDIDATE, database: 'support' });

    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: `${CANDIDATE}-w`, SkipFinalSnapshot: true }]);
    expect(rds.commandCalls(DeleteDBClusterCommand).map((c) => c.args[0].input)).toEqual([{ DBClusterIdentifier: CANDIDATE, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }]);
  });

  it.each(['InvalidDBClusterStateFault', 'InvalidDBClusterState'])('retries a cluster delete refused with %s through an EnvironmentError', async (name) => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster()] });
    rds.on(DeleteDBClusterCommand).rejects(notFound(name));

    await expect(provider().discard({ id: CANDIDATE, database: 'support' })).rejects.toBeInstanceOf(EnvironmentError);
  });
});
