import {
  DeleteDBInstanceCommand, DescribeDBInstancesCommand, ModifyDBInstanceCommand, RestoreDBInstanceFromDBSnapshotCommand, type DBInstance, type Tag,
} from '@aws-sdk/client-rds';
import type { ClientConfig } from 'pg';
import { ConfigError, EnvironmentError } from '../errors';
import type { DatabaseProvider, DatabaseRef, Progress, SnapshotRef } from '../db/provider';
import { awsStep, ignoring, isNotFound } from './aws-errors';
import { managedConnection } from './candidate-connection';
import type { DatabaseClients } from './clients';
import type { AwsDeployment } from './resources';
import { rehearsalTags, runScopedIdentifier } from './resources';
import { takeSnapshot } from './snapshots';
import { snapshotInStagingKey } from './snapshot-copy';
import { SwappedAwsProvider } from './swapped-provider';

type InstanceStaging = Extract<AwsDeployment['staging'], { provider: 'rds-instance' }>;

/** How often to look at an instance being restored or modified. */
export const INSTANCE_POLL_MS = 30_000;

/** Options of {@link RdsInstanceProvider}. */
export interface RdsInstanceProviderOptions {
  readonly bot: string;
  readonly productionIdentifier: string;
  readonly staging: InstanceStaging;
  readonly clients: DatabaseClients;
}

/**
 * Refreshes staging from an RDS for PostgreSQL DB instance: manual snapshot of production, restore as a
 * new candidate instance with every setting explicit and a fresh master password managed by Secrets
 * Manager, swap through the private DNS record. Each method is idempotent and stateless between calls:
 * it looks at what exists and does the next step, so a retried Lambda never duplicates work.
 */
export class RdsInstanceProvider extends SwappedAwsProvider implements DatabaseProvider {
  readonly kind = 'rds-instance';

  constructor(private readonly options: RdsInstanceProviderOptions) {
    super(options, 'instance');
  }

  async preflight(): Promise<void> {
    const production = await this.describe(this.options.productionIdentifier);
    if (!production) throw new EnvironmentError(`production DB instance "${this.options.productionIdentifier}" does not exist (or this role cannot describe it)`);
    if (production.DBClusterIdentifier) {
      throw new ConfigError([{ path: 'databases.production.provider', message: `"${this.options.productionIdentifier}" belongs to Aurora cluster "${production.DBClusterIdentifier}": use provider aurora-cluster` }]);
    }
  }

  snapshot(runId: string, pending?: SnapshotRef): Promise<Progress<SnapshotRef>> {
    const id = runScopedIdentifier(this.options.staging.candidatePrefix, 'snap', runId);
    return takeSnapshot(this.options.clients.rds, 'instance', this.options.productionIdentifier, id, this.tags(runId, 'snapshot'), pending);
  }

  async restore(snapshot: SnapshotRef, runId: string, pending?: DatabaseRef): Promise<Progress<DatabaseRef>> {
    const { staging } = this.options;
    const ref: DatabaseRef = pending ?? { id: runScopedIdentifier(staging.candidatePrefix, 'cand', runId), database: staging.databaseName };
    const existing = await this.describe(ref.id);
    if (!existing) {
      // The restore API takes no key: a snapshot in another key than staging's is copied into it first.
      const source = await snapshotInStagingKey(this.options.clients.rds, snapshot.id, staging.kmsKeyId, this.tags(runId, 'snapshot'));
      if (source.state === 'pending') return { ...source, value: ref };
      await awsStep(`restoring ${source.value} as ${ref.id}`, ignoring(/DBInstanceAlreadyExists/, async () => {
        await this.options.clients.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: ref.id,
          DBSnapshotIdentifier: source.value,
          DBInstanceClass: staging.instanceClass,
          Port: staging.port,
          DBSubnetGroupName: staging.subnetGroupName,
          VpcSecurityGroupIds: [...staging.securityGroupIds],
          DBParameterGroupName: staging.parameterGroupName,
          OptionGroupName: staging.optionGroupName,
          Tags: this.tags(runId, 'candidate'),
          DeletionProtection: false,
          PubliclyAccessible: false,
          MultiAZ: false,
          AutoMinorVersionUpgrade: false,
          CopyTagsToSnapshot: false,
          BackupRetentionPeriod: 0,
          // Production's master password must not survive into staging: RDS replaces it with one it manages.
          ManageMasterUserPassword: true,
          MasterUserSecretKmsKeyId: staging.kmsKeyId,
        }));
      }));
      return { state: 'pending', value: ref, retryAfterMs: INSTANCE_POLL_MS, detail: `restore of ${ref.id} from ${source.value} started` };
    }
    return this.#readiness(existing, ref);
  }

  async connection(ref: DatabaseRef): Promise<ClientConfig> {
    return managedConnection(this.options.clients.secrets, await this.endpoint(ref.id), ref.database);
  }

  /** The instance, or undefined when it does not exist. */
  async describe(id: string): Promise<DBInstance | undefined> {
    try {
      const found = await this.options.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
      return found.DBInstances?.[0];
    } catch (error) {
      if (isNotFound(error)) return undefined;
      return awsStep(`describing DB instance ${id}`, () => Promise.reject(error));
    }
  }

  async describeForSwap(id: string): Promise<{ host: string; arn: string; tags: Tag[] } | undefined> {
    const instance = await this.describe(id);
    const host = instance?.Endpoint?.Address;
    if (!instance?.DBInstanceArn || !host) return undefined;
    return { host, arn: instance.DBInstanceArn, tags: instance.TagList ?? [] };
  }

  async describeForRename(id: string): Promise<{ status: string; host?: string; tags: Tag[] } | undefined> {
    const instance = await this.describe(id);
    if (!instance) return undefined;
    const host = instance.Endpoint?.Address;
    return { status: instance.DBInstanceStatus ?? 'unknown', ...(host ? { host } : {}), tags: instance.TagList ?? [] };
  }

  /** Rename mode: `NewDBInstanceIdentifier`, applied now (not in the maintenance window). */
  async rename(id: string, newId: string): Promise<void> {
    await awsStep(`renaming DB instance ${id} to ${newId}`, async () => {
      await this.options.clients.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, NewDBInstanceIdentifier: newId, ApplyImmediately: true }));
    });
  }

  async endpoint(id: string): Promise<{ host: string; port: number; masterSecretArn: string }> {
    const instance = await this.describe(id);
    const host = instance?.Endpoint?.Address;
    const masterSecretArn = instance?.MasterUserSecret?.SecretArn;
    if (!host || !masterSecretArn) throw new EnvironmentError(`DB instance ${id} has no endpoint or no managed master user secret yet`);
    return { host, port: instance.Endpoint?.Port ?? this.options.staging.port, masterSecretArn };
  }

  /** Deletes an instance rehearsal created, without a final snapshot. Idempotent. */
  async remove(id: string): Promise<void> {
    await awsStep(`deleting DB instance ${id}`, ignoring(/DBInstanceNotFound/, async () => {
      await this.options.clients.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }));
    }));
  }

  #readiness(instance: DBInstance, ref: DatabaseRef): Progress<DatabaseRef> {
    const status = instance.DBInstanceStatus ?? 'unknown';
    if (status === 'available' && instance.MasterUserSecret?.SecretStatus === 'active') return { state: 'ready', value: ref };
    if (/^(failed|incompatible-|storage-full|inaccessible-encryption-credentials)/.test(status)) {
      throw new EnvironmentError(`candidate ${ref.id} is "${status}": the restore cannot finish`);
    }
    return { state: 'pending', value: ref, retryAfterMs: INSTANCE_POLL_MS, detail: `candidate ${ref.id} is ${status}` };
  }

  private tags(runId: string, role: 'snapshot' | 'candidate'): Tag[] {
    return rehearsalTags(this.options.staging.tags, { bot: this.options.bot, runId, role, source: this.options.productionIdentifier });
  }
}
