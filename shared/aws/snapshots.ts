import {
  CreateDBClusterSnapshotCommand, CreateDBSnapshotCommand, DeleteDBClusterSnapshotCommand, DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand, DescribeDBSnapshotsCommand, type RDSClient, type Tag,
} from '@aws-sdk/client-rds';
import { EnvironmentError } from '../errors';
import type { Progress, SnapshotRef } from '../db/provider';
import { awsStep, ignoring } from './aws-errors';
import { TAGS } from './resources';

/** What a snapshot is taken of: an RDS DB instance or an Aurora cluster. */
export type SnapshotKind = 'instance' | 'cluster';

/** How often to look at a snapshot being created. */
export const SNAPSHOT_POLL_MS = 60_000;

/** A snapshot as both APIs describe it. */
interface SnapshotInfo {
  readonly id: string;
  readonly status: string;
  readonly createdAt?: Date;
  readonly tags: readonly Tag[];
}

/**
 * Starts a manual snapshot of production, tagged as rehearsal's (the only production write the guard
 * and the IAM policy allow), or reports on one already started. A second start for the same run (a
 * retried Lambda) finds the snapshot instead of failing.
 */
export async function takeSnapshot(
  rds: RDSClient, kind: SnapshotKind, source: string, id: string, tags: readonly Tag[], pending?: SnapshotRef,
): Promise<Progress<SnapshotRef>> {
  const now = new Date().toISOString();
  if (!pending) {
    await awsStep(`creating snapshot ${id} of ${source}`, ignoring(/SnapshotAlreadyExists/, async () => {
      if (kind === 'instance') await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: source, DBSnapshotIdentifier: id, Tags: [...tags] }));
      else await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: source, DBClusterSnapshotIdentifier: id, Tags: [...tags] }));
    }));
    return { state: 'pending', value: { id, createdAt: now }, retryAfterMs: SNAPSHOT_POLL_MS, detail: `snapshot ${id} of ${source} started` };
  }
  const [info] = await describeSnapshots(rds, kind, { id: pending.id });
  if (!info) throw new EnvironmentError(`snapshot ${pending.id} disappeared while it was being created`);
  if (info.status === 'available') return { state: 'ready', value: { id: info.id, createdAt: info.createdAt?.toISOString() ?? pending.createdAt } };
  if (info.status !== 'creating') throw new EnvironmentError(`snapshot ${info.id} is "${info.status}", expected "creating" or "available"`);
  return { state: 'pending', value: pending, retryAfterMs: SNAPSHOT_POLL_MS, detail: `snapshot ${info.id} is still being created` };
}

/**
 * Deletes rehearsal's snapshots of `source` beyond the newest `keep`. Only snapshots tagged
 * `rehearsal:managed-by=rehearsal` for this bot are ever touched: a team's own snapshots are safe.
 */
export async function pruneSnapshots(rds: RDSClient, kind: SnapshotKind, source: string, bot: string, keep: number): Promise<string[]> {
  const ours = (await describeSnapshots(rds, kind, { source }))
    .filter((snapshot) => hasTag(snapshot.tags, TAGS.managedBy, 'rehearsal') && hasTag(snapshot.tags, TAGS.bot, bot))
    .filter((snapshot) => snapshot.status === 'available')
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  const removed: string[] = [];
  for (const snapshot of ours.slice(keep)) {
    await awsStep(`deleting snapshot ${snapshot.id}`, ignoring(/NotFound/, async () => {
      if (kind === 'instance') await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapshot.id }));
      else await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: snapshot.id }));
    }));
    removed.push(snapshot.id);
  }
  return removed;
}

/** The engine and version a cluster snapshot was taken from (a cluster restore must name them). */
export async function clusterSnapshotEngine(rds: RDSClient, id: string): Promise<{ engine: string; engineVersion: string }> {
  const found = await awsStep(`describing snapshot ${id}`, () => rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id })));
  const snapshot = found.DBClusterSnapshots?.[0];
  if (!snapshot?.Engine || !snapshot.EngineVersion) throw new EnvironmentError(`snapshot ${id} does not say which engine it was taken from`);
  return { engine: snapshot.Engine, engineVersion: snapshot.EngineVersion };
}

async function describeSnapshots(rds: RDSClient, kind: SnapshotKind, by: { id: string } | { source: string }): Promise<SnapshotInfo[]> {
  const found: SnapshotInfo[] = [];
  let marker: string | undefined;
  do {
    const page = await awsStep('describing snapshots', async () => {
      if (kind === 'instance') {
        const out = await rds.send(new DescribeDBSnapshotsCommand('id' in by
          ? { DBSnapshotIdentifier: by.id, ...(marker ? { Marker: marker } : {}) }
          : { DBInstanceIdentifier: by.source, SnapshotType: 'manual', ...(marker ? { Marker: marker } : {}) }));
        return { marker: out.Marker, items: (out.DBSnapshots ?? []).map((s) => info(s.DBSnapshotIdentifier, s.Status, s.SnapshotCreateTime, s.TagList)) };
      }
      const out = await rds.send(new DescribeDBClusterSnapshotsCommand('id' in by
        ? { DBClusterSnapshotIdentifier: by.id, ...(marker ? { Marker: marker } : {}) }
        : { DBClusterIdentifier: by.source, SnapshotType: 'manual', ...(marker ? { Marker: marker } : {}) }));
      return { marker: out.Marker, items: (out.DBClusterSnapshots ?? []).map((s) => info(s.DBClusterSnapshotIdentifier, s.Status, s.SnapshotCreateTime, s.TagList)) };
    });
    found.push(...page.items);
    marker = page.marker;
  } while (marker);
  return found;
}

function info(id: string | undefined, status: string | undefined, createdAt: Date | undefined, tags: Tag[] | undefined): SnapshotInfo {
  return { id: id ?? '', status: status ?? 'unknown', ...(createdAt ? { createdAt } : {}), tags: tags ?? [] };
}

function hasTag(tags: readonly Tag[], key: string, value: string): boolean {
  return tags.some((tag) => tag.Key === key && tag.Value === value);
}
