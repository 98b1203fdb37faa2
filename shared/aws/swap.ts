import { AddTagsToResourceCommand, type RDSClient, type Tag } from '@aws-sdk/client-rds';
import type { DatabaseRef, Progress, Promotion } from '../db/provider';
import { EnvironmentError } from '../errors';
import { awsStep } from './aws-errors';
import type { DatabaseClients } from './clients';
import { currentTarget, deleteRecord, identifierOfEndpoint, pointRecordAt, pointSecretAt, type DnsRecord } from './dns-swap';
import { TAGS } from './resources';

/** The tag on a promoted candidate naming the database it replaced, so a retried promote or a rollback still knows it. */
export const REPLACES_TAG = 'rehearsal:replaces';
const NONE = '-';

/** What the swap needs from a provider: find, describe and remove its databases (instance or cluster). */
export interface ManagedDatabase {
  describeForSwap(id: string): Promise<{ host: string; arn: string; tags: readonly Tag[] } | undefined>;
  remove(id: string): Promise<void>;
}

/**
 * The swap through a private Route 53 record: the record (short TTL) is pointed at the candidate, the
 * staging secret's host names the record, and the old staging database is kept until the checks pass.
 * Rollback points the record back and removes the candidate. Before the record moves, the candidate is
 * tagged with the database it replaces: a retried promote finds the same previous database.
 */
export class DnsSwap {
  constructor(
    private readonly clients: DatabaseClients,
    private readonly record: DnsRecord,
    private readonly staging: { readonly instanceIdentifier?: string; readonly clusterIdentifier?: string; readonly secretArn: string; readonly port: number; readonly databaseName: string },
    private readonly databases: ManagedDatabase,
  ) {}

  async promote(candidate: DatabaseRef, pending?: Promotion): Promise<Progress<Promotion>> {
    if (pending) return { state: 'ready', value: pending };
    const target = await this.#require(candidate.id);
    const previousId = await this.#previousOf(candidate.id, target);
    if (!target.tags.some((tag) => tag.Key === REPLACES_TAG)) {
      await this.#tag(this.clients.rds, target.arn, [{ Key: REPLACES_TAG, Value: previousId ?? NONE }, { Key: TAGS.role, Value: 'staging' }]);
    }
    await pointRecordAt(this.clients.route53, this.record, target.host, `rehearsal: staging is now ${candidate.id}`);
    await pointSecretAt(this.clients.secrets, this.staging.secretArn, this.record.recordName.replace(/\.$/, ''), this.staging.port, this.staging.databaseName);
    const previous = previousId ? { previous: { id: previousId, database: this.staging.databaseName } } : {};
    return { state: 'ready', value: { staging: candidate, ...previous } };
  }

  async rollback(promotion: Promotion): Promise<void> {
    const candidate = await this.databases.describeForSwap(promotion.staging.id);
    if (promotion.previous) {
      const previous = await this.#require(promotion.previous.id);
      await pointRecordAt(this.clients.route53, this.record, previous.host, `rehearsal rollback: staging is ${promotion.previous.id} again`);
    } else if (candidate) {
      const now = await currentTarget(this.clients.route53, this.record);
      if (now === candidate.host) await deleteRecord(this.clients.route53, this.record, candidate.host);
    }
    await this.databases.remove(promotion.staging.id);
  }

  /** The database staging is before the swap: from the candidate's tag (a retry), the record, or the configured identifier. */
  async #previousOf(candidateId: string, candidate: { host: string; tags: readonly Tag[] }): Promise<string | undefined> {
    const tagged = candidate.tags.find((tag) => tag.Key === REPLACES_TAG)?.Value;
    if (tagged !== undefined) return tagged === NONE ? undefined : tagged;
    const now = await currentTarget(this.clients.route53, this.record);
    if (now !== undefined) {
      const id = identifierOfEndpoint(now);
      return id === candidateId.toLowerCase() ? undefined : id;
    }
    const configured = this.staging.instanceIdentifier ?? this.staging.clusterIdentifier;
    return configured && (await this.databases.describeForSwap(configured)) ? configured.toLowerCase() : undefined;
  }

  async #require(id: string): Promise<{ host: string; arn: string; tags: readonly Tag[] }> {
    const found = await this.databases.describeForSwap(id);
    if (!found) throw new EnvironmentError(`database ${id} does not exist or has no endpoint yet`);
    return found;
  }

  async #tag(rds: RDSClient, arn: string, tags: Tag[]): Promise<void> {
    await awsStep(`tagging ${arn}`, async () => { await rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tags })); });
  }
}
