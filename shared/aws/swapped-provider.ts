import type { Tag } from '@aws-sdk/client-rds';
import type { DatabaseRef, Progress, Promotion } from '../db/provider';
import { ConfigError } from '../errors';
import type { DatabaseClients } from './clients';
import type { AwsDeployment } from './resources';
import { pruneSnapshots, type SnapshotKind } from './snapshots';
import { DnsSwap, type ManagedDatabase } from './swap';

/** What the RDS instance and Aurora cluster providers share. */
export interface SwappedProviderOptions {
  readonly bot: string;
  readonly productionIdentifier: string;
  readonly staging: AwsDeployment['staging'];
  readonly clients: DatabaseClients;
}

/**
 * The half of an AWS database provider that does not depend on the kind of database: the swap through
 * the private DNS record, rollback, removing a candidate or the replaced staging database, and pruning
 * rehearsal's snapshots. Subclasses say how to describe and remove their kind of database.
 */
export abstract class SwappedAwsProvider implements ManagedDatabase {
  readonly #swap: DnsSwap;

  protected constructor(
    private readonly common: SwappedProviderOptions,
    private readonly snapshotKind: SnapshotKind,
    providerKind: string,
  ) {
    const { swap } = common.staging;
    if (swap.mode !== 'dns') {
      throw new ConfigError([{ path: 'databases.staging.swap.mode', message: `rename mode is not supported yet by the ${providerKind} provider; use mode: dns` }]);
    }
    this.#swap = new DnsSwap(common.clients, swap, common.staging, this);
  }

  abstract describeForSwap(id: string): Promise<{ host: string; arn: string; tags: Tag[] } | undefined>;
  abstract remove(id: string): Promise<void>;

  promote(candidate: DatabaseRef, pending?: Promotion): Promise<Progress<Promotion>> {
    return this.#swap.promote(candidate, pending);
  }

  rollback(promotion: Promotion): Promise<void> {
    return this.#swap.rollback(promotion);
  }

  discard(candidate: DatabaseRef): Promise<void> {
    return this.remove(candidate.id);
  }

  async commit(promotion: Promotion): Promise<void> {
    if (promotion.previous && !this.common.staging.keepPrevious) await this.remove(promotion.previous.id);
  }

  pruneSnapshots(keep: number): Promise<string[]> {
    return pruneSnapshots(this.common.clients.rds, this.snapshotKind, this.common.productionIdentifier, this.common.bot, keep);
  }
}
