import {
  CreateDBInstanceCommand, DeleteDBClusterCommand, DeleteDBInstanceCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand,
  ModifyDBClusterCommand, RestoreDBClusterFromSnapshotCommand, RestoreDBClusterToPointInTimeCommand, type DBCluster, type Tag,
} from '@aws-sdk/client-rds';
import type { ClientConfig } from 'pg';
import { EnvironmentError } from '../errors';
import type { DatabaseProvider, DatabaseRef, Progress, SnapshotRef } from '../db/provider';
import { awsStep, ignoring, isNotFound } from './aws-errors';
import { managedConnection } from './candidate-connection';
import type { DatabaseClients } from './clients';
import type { AwsDeployment } from './resources';
import { rehearsalTags, runScopedIdentifier } from './resources';
import { clusterSnapshotEngine, takeSnapshot } from './snapshots';
import { SwappedAwsProvider } from './swapped-provider';

type ClusterStaging = Extract<AwsDeployment['staging'], { provider: 'aurora-cluster' }>;

/** How often to look at a cluster being restored or modified. */
export const CLUSTER_POLL_MS = 30_000;
/** The snapshot id standing for "clone production" in clone mode (no snapshot is taken). */
export const CLONE_SNAPSHOT_PREFIX = 'clone-of-';

/** Options of {@link AuroraClusterProvider}. */
export interface AuroraClusterProviderOptions {
  readonly bot: string;
  readonly productionIdentifier: string;
  readonly staging: ClusterStaging;
  readonly clients: DatabaseClients;
  readonly now?: () => Date;
}

/**
 * Refreshes staging from an Aurora PostgreSQL cluster: a cluster snapshot (or a copy-on-write clone)
 * restored as a candidate cluster, then its writer instance created, then the master password replaced
 * by one Secrets Manager manages. Stateless between calls like the instance provider: each call looks
 * at what exists and does the next step.
 */
export class AuroraClusterProvider extends SwappedAwsProvider implements DatabaseProvider {
  readonly kind = 'aurora-cluster';

  constructor(private readonly options: AuroraClusterProviderOptions) {
    super(options, 'cluster');
  }

  async preflight(): Promise<void> {
    if (!(await this.describe(this.options.productionIdentifier))) {
      throw new EnvironmentError(`production Aurora cluster "${this.options.productionIdentifier}" does not exist (or this role cannot describe it)`);
    }
  }

  snapshot(runId: string, pending?: SnapshotRef): Promise<Progress<SnapshotRef>> {
    const { staging, productionIdentifier } = this.options;
    if (staging.method === 'clone') {
      const createdAt = (this.options.now?.() ?? new Date()).toISOString();
      return Promise.resolve({ state: 'ready', value: { id: `${CLONE_SNAPSHOT_PREFIX}${productionIdentifier}`, createdAt } });
    }
    const id = runScopedIdentifier(staging.candidatePrefix, 'snap', runId);
    return takeSnapshot(this.options.clients.rds, 'cluster', productionIdentifier, id, this.tags(runId, 'snapshot'), pending);
  }

  async restore(snapshot: SnapshotRef, runId: string, pending?: DatabaseRef): Promise<Progress<DatabaseRef>> {
    const { staging } = this.options;
    const ref: DatabaseRef = pending ?? { id: runScopedIdentifier(staging.candidatePrefix, 'cand', runId), database: staging.databaseName };
    const cluster = await this.describe(ref.id);
    if (!cluster) {
      await this.#createCluster(snapshot, ref.id, runId);
      return { state: 'pending', value: ref, retryAfterMs: CLUSTER_POLL_MS, detail: `cluster ${ref.id} is being restored from ${snapshot.id}` };
    }
    const status = cluster.Status ?? 'unknown';
    if (/^(failed|incompatible-|inaccessible-encryption-credentials)/.test(status)) throw new EnvironmentError(`candidate cluster ${ref.id} is "${status}": the restore cannot finish`);
    if (status !== 'available') return { state: 'pending', value: ref, retryAfterMs: CLUSTER_POLL_MS, detail: `candidate cluster ${ref.id} is ${status}` };
    if (!cluster.MasterUserSecret) await this.#replaceMasterPassword(ref.id);
    const writer = await this.#writer(ref.id, cluster, runId);
    if (writer !== 'available' || cluster.MasterUserSecret?.SecretStatus !== 'active') {
      return { state: 'pending', value: ref, retryAfterMs: CLUSTER_POLL_MS, detail: `candidate ${ref.id}: writer ${writer}, master secret ${cluster.MasterUserSecret?.SecretStatus ?? 'being created'}` };
    }
    return { state: 'ready', value: ref };
  }

  async connection(ref: DatabaseRef): Promise<ClientConfig> {
    const cluster = await this.describe(ref.id);
    const host = cluster?.Endpoint;
    const masterSecretArn = cluster?.MasterUserSecret?.SecretArn;
    if (!host || !masterSecretArn) throw new EnvironmentError(`cluster ${ref.id} has no endpoint or no managed master user secret yet`);
    return managedConnection(this.options.clients.secrets, { host, port: cluster.Port ?? this.options.staging.port, masterSecretArn }, ref.database);
  }

  async describe(id: string): Promise<DBCluster | undefined> {
    try {
      const found = await this.options.clients.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
      return found.DBClusters?.[0];
    } catch (error) {
      if (isNotFound(error)) return undefined;
      return awsStep(`describing cluster ${id}`, () => Promise.reject(error));
    }
  }

  async describeForSwap(id: string): Promise<{ host: string; arn: string; tags: Tag[] } | undefined> {
    const cluster = await this.describe(id);
    if (!cluster?.Endpoint || !cluster.DBClusterArn) return undefined;
    return { host: cluster.Endpoint, arn: cluster.DBClusterArn, tags: cluster.TagList ?? [] };
  }

  async describeForRename(id: string): Promise<{ status: string; host?: string; tags: Tag[] } | undefined> {
    const cluster = await this.describe(id);
    if (!cluster) return undefined;
    return { status: cluster.Status ?? 'unknown', ...(cluster.Endpoint ? { host: cluster.Endpoint } : {}), tags: cluster.TagList ?? [] };
  }

  /** Rename mode: `NewDBClusterIdentifier`, applied now. The cluster's instances keep their identifiers. */
  async rename(id: string, newId: string): Promise<void> {
    await awsStep(`renaming cluster ${id} to ${newId}`, async () => {
      await this.options.clients.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: id, NewDBClusterIdentifier: newId, ApplyImmediately: true }));
    });
  }

  /**
   * Deletes a cluster rehearsal created: its instances first, then the cluster (RDS refuses to delete
   * a cluster with members; while they are deleting the cluster delete fails with InvalidDBClusterState,
   * which is retried). Idempotent.
   */
  async remove(id: string): Promise<void> {
    const cluster = await this.describe(id);
    if (!cluster) return;
    for (const member of cluster.DBClusterMembers ?? []) {
      const instance = member.DBInstanceIdentifier;
      if (!instance) continue;
      await awsStep(`deleting instance ${instance} of ${id}`, ignoring(/DBInstanceNotFound/, async () => {
        await this.options.clients.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: instance, SkipFinalSnapshot: true }));
      }));
    }
    await awsStep(`deleting cluster ${id}`, ignoring(/DBClusterNotFound/, async () => {
      await this.options.clients.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
    }));
  }

  async #createCluster(snapshot: SnapshotRef, id: string, runId: string): Promise<void> {
    const { staging, productionIdentifier } = this.options;
    const common = {
      DBClusterIdentifier: id,
      Port: staging.port,
      DBSubnetGroupName: staging.subnetGroupName,
      VpcSecurityGroupIds: [...staging.securityGroupIds],
      DBClusterParameterGroupName: staging.clusterParameterGroupName,
      KmsKeyId: staging.kmsKeyId,
      Tags: this.tags(runId, 'candidate'),
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
      BackupRetentionPeriod: 1,
    };
    const rds = this.options.clients.rds;
    if (snapshot.id.startsWith(CLONE_SNAPSHOT_PREFIX)) {
      await awsStep(`cloning ${productionIdentifier} as ${id}`, ignoring(/DBClusterAlreadyExists/, async () => {
        await rds.send(new RestoreDBClusterToPointInTimeCommand({ ...common, SourceDBClusterIdentifier: productionIdentifier, RestoreType: 'copy-on-write', UseLatestRestorableTime: true }));
      }));
      return;
    }
    const { engine, engineVersion } = await clusterSnapshotEngine(rds, snapshot.id);
    await awsStep(`restoring ${snapshot.id} as ${id}`, ignoring(/DBClusterAlreadyExists/, async () => {
      await rds.send(new RestoreDBClusterFromSnapshotCommand({ ...common, SnapshotIdentifier: snapshot.id, Engine: engine, EngineVersion: engineVersion }));
    }));
  }

  /** Production's master password must not survive into staging: RDS replaces it with one it manages. */
  async #replaceMasterPassword(id: string): Promise<void> {
    await awsStep(`replacing the master password of ${id}`, () => this.options.clients.rds.send(new ModifyDBClusterCommand({
      DBClusterIdentifier: id, ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: this.options.staging.kmsKeyId, ApplyImmediately: true,
    })));
  }

  /** Creates the writer instance when missing; returns its status. */
  async #writer(clusterId: string, cluster: DBCluster, runId: string): Promise<string> {
    const id = `${clusterId}-w`.slice(0, 63);
    try {
      const found = await this.options.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
      return found.DBInstances?.[0]?.DBInstanceStatus ?? 'unknown';
    } catch (error) {
      if (!isNotFound(error)) return awsStep(`describing instance ${id}`, () => Promise.reject(error));
    }
    const { staging } = this.options;
    await awsStep(`creating writer ${id} in ${clusterId}`, ignoring(/DBInstanceAlreadyExists/, async () => {
      await this.options.clients.rds.send(new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        DBClusterIdentifier: clusterId,
        Engine: cluster.Engine,
        DBInstanceClass: staging.instanceClass,
        DBParameterGroupName: staging.parameterGroupName,
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: false,
        Tags: this.tags(runId, 'candidate'),
      }));
    }));
    return 'creating';
  }

  private tags(runId: string, role: 'snapshot' | 'candidate'): Tag[] {
    return rehearsalTags(this.options.staging.tags, { bot: this.options.bot, runId, role, source: this.options.productionIdentifier });
  }
}
