import { AddTagsToResourceCommand, type RDSClient, type Tag } from '@aws-sdk/client-rds';
import { z } from 'zod';
import type { DatabaseRef, Progress, Promotion, SwapProgress } from '../db/provider';
import { EnvironmentError } from '../errors';
import { awsStep } from './aws-errors';
import type { DatabaseClients } from './clients';
import { currentTarget, deleteRecord, identifierOfEndpoint, isChangeInSync, pointRecordAt, pointSecretAt, type DnsRecord } from './dns-swap';
import { TAGS } from './resources';

/** The tag on a promoted candidate naming the database it replaced, so a retried promote or a rollback still knows it. */
export const REPLACES_TAG = 'rehearsal:replaces';
/**
 * Set on the new staging database when its run commits, before the old one is removed: from then on
 * the run's refresh stands, and a reaper settling that run later (it timed out in publish, or a person
 * stopped it) must keep staging rather than roll it back.
 */
export const COMMITTED_TAG = 'rehearsal:committed';
const NONE = '-';

/** What the swap needs from a provider: find, describe and remove its databases (instance or cluster). */
export interface ManagedDatabase {
  describeForSwap(id: string): Promise<{ host: string; arn: string; tags: readonly Tag[] } | undefined>;
  remove(id: string): Promise<void>;
}

/** How often to ask Route 53 whether a record change reached all its servers (usually within a minute). */
export const RECORD_POLL_MS = 10_000;

/**
 * Where a DNS swap stands, in `promotion.swap`: the record change being waited for (promote or
 * rollback), then done. Only Route 53's change id travels, never a value.
 */
const dnsProgress = z.object({
  step: z.enum(['record-changing', 'promoted', 'record-restoring', 'rolled-back']),
  changeId: z.string().optional(),
});
type DnsProgress = z.infer<typeof dnsProgress>;

function recorded(progress: DnsProgress): SwapProgress {
  return { step: progress.step, ...(progress.changeId === undefined ? {} : { changeId: progress.changeId }) };
}

/**
 * The swap through a private Route 53 record: the record (short TTL) is pointed at the candidate, the
 * staging secret's host names the record, and the old staging database is kept until the checks pass.
 * Promote reports pending until Route 53 says the change is `INSYNC`, so the checks after it never reach
 * the old database through a record not yet propagated. Rollback points the record back, waits the
 * same way, then removes the candidate. Before the record moves, the candidate is tagged with the
 * database it replaces: a retried promote finds the same previous database.
 */
export class DnsSwap {
  constructor(
    private readonly clients: DatabaseClients,
    private readonly record: DnsRecord,
    private readonly staging: { readonly instanceIdentifier?: string; readonly clusterIdentifier?: string; readonly secretArn: string; readonly port: number; readonly databaseName: string },
    private readonly databases: ManagedDatabase,
  ) {}

  async promote(candidate: DatabaseRef, pending?: Promotion): Promise<Progress<Promotion>> {
    if (pending) {
      // A promotion recorded before changes were waited for is done as it is.
      if (!pending.swap) return { state: 'ready', value: pending };
      const progress = dnsProgress.parse(pending.swap);
      if (progress.step === 'promoted') return { state: 'ready', value: pending };
      if (progress.step !== 'record-changing') throw new EnvironmentError(`promote called on a promotion already being rolled back (step ${progress.step})`);
      if (progress.changeId !== undefined && !(await isChangeInSync(this.clients.route53, progress.changeId))) {
        return this.#wait(pending, `waiting for Route 53 change ${progress.changeId} to reach all servers`);
      }
      await pointSecretAt(this.clients.secrets, this.staging.secretArn, this.record.recordName.replace(/\.$/, ''), this.staging.port, this.staging.databaseName);
      return { state: 'ready', value: { ...pending, swap: recorded({ ...progress, step: 'promoted' }) } };
    }
    const target = await this.#require(candidate.id);
    const previousId = await this.#previousOf(candidate.id, target);
    if (!target.tags.some((tag) => tag.Key === REPLACES_TAG)) {
      await this.#tag(this.clients.rds, target.arn, [{ Key: REPLACES_TAG, Value: previousId ?? NONE }, { Key: TAGS.role, Value: 'staging' }]);
    }
    const changeId = await pointRecordAt(this.clients.route53, this.record, target.host, `rehearsal: staging is now ${candidate.id}`);
    const previous = previousId ? { previous: { id: previousId, database: this.staging.databaseName } } : {};
    const swap: DnsProgress = { step: 'record-changing', ...(changeId === undefined ? {} : { changeId }) };
    return this.#wait({ staging: candidate, ...previous, swap: recorded(swap) }, `${this.record.recordName} now points at ${candidate.id}; waiting for Route 53 to apply it everywhere`);
  }

  async rollback(promotion: Promotion): Promise<Progress<Promotion>> {
    const progress = promotion.swap ? dnsProgress.parse(promotion.swap) : undefined;
    if (progress?.step === 'rolled-back') return { state: 'ready', value: promotion };
    if (progress?.step === 'record-restoring') {
      if (progress.changeId !== undefined && !(await isChangeInSync(this.clients.route53, progress.changeId))) {
        return this.#wait(promotion, `waiting for Route 53 change ${progress.changeId} (the record pointed back) to reach all servers`);
      }
      return this.#removeCandidate(promotion);
    }
    const candidate = await this.databases.describeForSwap(promotion.staging.id);
    let changeId: string | undefined;
    let changed = false;
    if (promotion.previous) {
      const previous = await this.#require(promotion.previous.id);
      changeId = await pointRecordAt(this.clients.route53, this.record, previous.host, `rehearsal rollback: staging is ${promotion.previous.id} again`);
      changed = true;
    } else if (candidate) {
      const now = await currentTarget(this.clients.route53, this.record);
      if (now === candidate.host) {
        changeId = await deleteRecord(this.clients.route53, this.record, candidate.host);
        changed = true;
      }
    }
    // The candidate goes only once no server hands out its name any more.
    if (!changed || changeId === undefined) return this.#removeCandidate(promotion);
    return this.#wait({ ...promotion, swap: { step: 'record-restoring', changeId } }, `${this.record.recordName} points back; waiting for Route 53 to apply it everywhere`);
  }

  async #removeCandidate(promotion: Promotion): Promise<Progress<Promotion>> {
    await this.databases.remove(promotion.staging.id);
    return { state: 'ready', value: { ...promotion, swap: { step: 'rolled-back' } } };
  }

  #wait(value: Promotion, detail: string): Progress<Promotion> {
    return { state: 'pending', value, retryAfterMs: RECORD_POLL_MS, detail };
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
