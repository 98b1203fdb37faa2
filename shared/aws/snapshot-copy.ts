import { CopyDBSnapshotCommand, DescribeDBSnapshotsCommand, type DBSnapshot, type RDSClient, type Tag } from '@aws-sdk/client-rds';
import type { Progress } from '../db/provider';
import { EnvironmentError } from '../errors';
import { awsStep, ignoring, isNotFound } from './aws-errors';
import { SNAPSHOT_POLL_MS } from './snapshots';

/** Appended to a snapshot's identifier to name its copy in staging's key (keeps it under `<prefix>-snap-*`). */
export const STAGING_KEY_COPY_SUFFIX = '-stgkey';

/** The identifier of the copy of `snapshotId` in staging's key. */
export function stagingKeyCopyId(snapshotId: string): string {
  return `${snapshotId}${STAGING_KEY_COPY_SUFFIX}`;
}

/**
 * The DB snapshot to restore staging from so that the candidate is encrypted with staging's key.
 * `RestoreDBInstanceFromDBSnapshot` takes no key: the instance keeps its snapshot's. When the snapshot
 * is already in `kmsKeyId` it is used as it is; otherwise it is copied with `CopyDBSnapshot` into
 * `kmsKeyId` (an unencrypted snapshot's copy gets encrypted) and the copy is used once available.
 *
 * Stateless like the providers: each call describes what exists and does the next step, so a retried
 * Lambda finds the copy it started instead of starting another. The copy carries `tags` (explicitly:
 * `CopyTags` is off, production's own tags do not follow), among them rehearsal's managed-by and bot
 * tags, and keeps its source's DB instance identifier: the snapshot pruning counts and removes it like
 * any snapshot rehearsal took.
 *
 * @returns `ready` with the identifier to restore from, or `pending` while the copy is being made.
 * @throws {@link EnvironmentError} when the snapshot is missing or the copy ends in a state it cannot leave.
 */
export async function snapshotInStagingKey(
  rds: RDSClient, snapshotId: string, kmsKeyId: string, tags: readonly Tag[],
): Promise<Progress<string>> {
  const source = await describeSnapshot(rds, snapshotId);
  if (!source) throw new EnvironmentError(`snapshot ${snapshotId} does not exist: it cannot be restored`);
  if (source.KmsKeyId === kmsKeyId) return { state: 'ready', value: snapshotId };

  const copyId = stagingKeyCopyId(snapshotId);
  const copy = await describeSnapshot(rds, copyId);
  if (!copy) {
    await awsStep(`copying snapshot ${snapshotId} as ${copyId} in staging's key`, ignoring(/DBSnapshotAlreadyExists/, async () => {
      await rds.send(new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: snapshotId,
        TargetDBSnapshotIdentifier: copyId,
        KmsKeyId: kmsKeyId,
        CopyTags: false,
        Tags: [...tags],
      }));
    }));
    return pending(copyId, `snapshot ${snapshotId} is in key ${source.KmsKeyId ?? '(unencrypted)'}, not staging's: copy ${copyId} started`);
  }
  const status = copy.Status ?? 'unknown';
  if (status === 'available') return { state: 'ready', value: copyId };
  if (!['creating', 'copying', 'pending'].includes(status)) {
    throw new EnvironmentError(`snapshot copy ${copyId} is "${status}", expected "creating" or "available"`);
  }
  return pending(copyId, `snapshot copy ${copyId} is ${status}${copy.PercentProgress === undefined ? '' : ` (${copy.PercentProgress}%)`}`);
}

function pending(copyId: string, detail: string): Progress<string> {
  return { state: 'pending', value: copyId, retryAfterMs: SNAPSHOT_POLL_MS, detail };
}

async function describeSnapshot(rds: RDSClient, id: string): Promise<DBSnapshot | undefined> {
  try {
    const found = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
    return found.DBSnapshots?.[0];
  } catch (error) {
    if (isNotFound(error)) return undefined;
    return awsStep(`describing snapshot ${id}`, () => Promise.reject(error));
  }
}
