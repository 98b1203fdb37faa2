import { AddTagsToResourceCommand, type Tag } from '@aws-sdk/client-rds';
import type { RoleConnection } from '../anonymize/role-credentials';
import type { DatabaseRef, Progress, Promotion } from '../db/provider';
import { EnvironmentError } from '../errors';
import { awsStep } from './aws-errors';
import type { DatabaseClients } from './clients';
import { RenameSwap, type RenamableDatabase } from './rename-swap';
import { AwsRoleSecretStore } from './role-secrets';
import type { AwsDeployment } from './resources';
import { stagingIdentifier } from './resources';
import { pruneSnapshots, type SnapshotKind } from './snapshots';
import { COMMITTED_TAG, DnsSwap, type ManagedDatabase } from './swap';

/** What the RDS instance and Aurora cluster providers share. */
export interface SwappedProviderOptions {
  readonly bot: string;
  readonly productionIdentifier: string;
  readonly staging: AwsDeployment['staging'];
  readonly clients: DatabaseClients;
}

/**
 * The half of an AWS database provider that does not depend on the kind of database: the swap (through
 * the private DNS record, or by renaming), rollback, removing a candidate or the replaced staging
 * database, and pruning rehearsal's snapshots. Subclasses say how to describe, rename and remove their
 * kind of database.
 */
export abstract class SwappedAwsProvider implements ManagedDatabase, RenamableDatabase {
  readonly #swap: DnsSwap | RenameSwap;
  /** Application roles' secrets: their new passwords are staged at anonymize and made current at promote. */
  readonly roleSecrets: AwsRoleSecretStore;
  /** A restore copies every database of production's server: anonymize drops all but the masked one. */
  readonly restoresWholeServer = true;

  protected constructor(
    private readonly common: SwappedProviderOptions,
    private readonly snapshotKind: SnapshotKind,
  ) {
    const { staging } = common;
    this.#swap = staging.swap.mode === 'dns'
      ? new DnsSwap(common.clients, staging.swap, staging, this)
      : new RenameSwap(common.clients, { identifier: stagingIdentifier(staging), secretArn: staging.secretArn, port: staging.port, databaseName: staging.databaseName }, this);
    this.roleSecrets = new AwsRoleSecretStore(common.clients.secrets, (candidateId) => this.#stagingConnection(candidateId));
  }

  /** The host applications reach staging on after promote: the record (dns), or staging's own endpoint (rename). */
  async #stagingConnection(candidateId: string): Promise<RoleConnection> {
    const { staging } = this.common;
    const connection = { port: staging.port, dbname: staging.databaseName };
    if (staging.swap.mode === 'dns') return { host: staging.swap.recordName.replace(/\.$/, ''), ...connection };
    const stagingId = stagingIdentifier(staging).toLowerCase();
    const current = (await this.describeForRename(stagingId))?.host;
    if (current) return { host: current, ...connection };
    // The first refresh: staging's endpoint will be the candidate's with staging's identifier as its first label.
    const candidate = (await this.describeForRename(candidateId))?.host;
    if (!candidate) throw new EnvironmentError(`neither ${stagingId} nor the candidate ${candidateId} has an endpoint: cannot tell the host of staging`);
    return { host: `${stagingId}${candidate.slice(candidate.indexOf('.'))}`, ...connection };
  }

  abstract describeForSwap(id: string): Promise<{ host: string; arn: string; tags: Tag[] } | undefined>;
  abstract describeForRename(id: string): Promise<{ status: string; host?: string; tags: readonly Tag[] } | undefined>;
  abstract rename(id: string, newId: string): Promise<void>;
  abstract remove(id: string): Promise<void>;

  promote(candidate: DatabaseRef, pending?: Promotion): Promise<Progress<Promotion>> {
    return this.#swap.promote(candidate, pending);
  }

  rollback(promotion: Promotion): Promise<Progress<Promotion>> {
    return this.#swap.rollback(promotion);
  }

  discard(candidate: DatabaseRef): Promise<void> {
    return this.remove(candidate.id);
  }

  /**
   * Marks the new staging database committed ({@link COMMITTED_TAG}), then removes the replaced one
   * (parked, in rename mode) unless configured to keep it.
   */
  async commit(promotion: Promotion): Promise<void> {
    const staging = await this.describeForSwap(promotion.staging.id);
    if (staging && !staging.tags.some((tag) => tag.Key === COMMITTED_TAG)) {
      await awsStep(`marking ${promotion.staging.id} committed`, async () => {
        await this.common.clients.rds.send(new AddTagsToResourceCommand({ ResourceName: staging.arn, Tags: [{ Key: COMMITTED_TAG, Value: 'true' }] }));
      });
    }
    if (promotion.previous && !this.common.staging.keepPrevious) await this.remove(promotion.previous.id);
  }

  pruneSnapshots(keep: number): Promise<string[]> {
    return pruneSnapshots(this.common.clients.rds, this.snapshotKind, this.common.productionIdentifier, this.common.bot, keep);
  }
}
