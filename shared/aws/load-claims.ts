import { z } from 'zod';
import { EnvironmentError } from '../errors';
import type { LoadWorkerResult } from '../load/result-schema';
import { findSliceResult, type LoadResultStore, type SliceIdentity } from './load-results';

/**
 * Claims make a fanned-out load slice send its traffic at most once. Results make a worker idempotent
 * once one is written; the claim covers the time before: two invocations of the same slice at once
 * (Step Functions retrying an invocation Lambda still runs), or one that died mid-traffic. The first
 * invocation creates the claim object (S3 conditional put) before any traffic; any other waits for
 * the result, and when the claimant passed its deadline without one, reports the slice as failed with
 * the reason instead of sending its traffic again: its requests reached the bot, their figures are lost.
 */

/** How often an invocation that lost the claim looks for the claimant's result. */
export const CLAIM_POLL_MS = 5_000;

/** Clock skew allowed between invocations before a claimant past its deadline counts as dead. */
export const CLAIM_GRACE_MS = 10_000;

const sliceClaimSchema = z.object({
  runId: z.string().min(1),
  workerIndex: z.number().int().min(0),
  workerCount: z.number().int().min(1),
  /** The claiming invocation (the Lambda request id), for the reason a successor gives. */
  invocation: z.string().min(1),
  claimedAt: z.number(),
  /** Epoch ms when the claiming invocation is ended by Lambda at the latest (its timeout). */
  deadline: z.number(),
});
export type SliceClaim = z.infer<typeof sliceClaimSchema>;

/** The claim's key beside the result's: per run, slice and plan shape (a re-planned run gets fresh claims). */
export function sliceClaimKey(resultKey: string, slice: SliceIdentity): string {
  return `${resultKey.replace(/\.json$/, '')}.of-${String(slice.workerCount).padStart(2, '0')}.claim.json`;
}

/** What the invocation is to do with its slice. */
export type SliceTurn =
  /** This invocation holds the claim: send the traffic, then write the result. */
  | { readonly action: 'run' }
  /** The slice's result is stored (by an earlier or concurrent invocation): send nothing. */
  | { readonly action: 'done' }
  /** The claimant died mid-traffic: a result marking the slice invalid, with this reason, is stored. */
  | { readonly action: 'lost'; readonly reason: string };

/** Options of {@link claimSlice}. */
export interface ClaimOptions {
  readonly runId: string;
  readonly slice: SliceIdentity;
  readonly resultKey: string;
  /** This invocation's id (Lambda's request id). */
  readonly invocation: string;
  /** Epoch ms when Lambda ends this invocation (now + remaining time). */
  readonly deadline: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly pollMs?: number;
}

/**
 * Decides whether this invocation sends the slice's traffic. A stored result of this slice: `done`.
 * Else the claim is created (conditional put): `run`. Lost to another invocation: waits for its result
 * (`done`); past the claimant's deadline (plus {@link CLAIM_GRACE_MS}) without one, stores a result
 * marking the slice invalid and gives `lost`; when this invocation would run out of time first, an
 * {@link EnvironmentError}. A store without `create` (in memory, in tests) gives `run` unclaimed.
 */
export async function claimSlice(store: LoadResultStore, options: ClaimOptions): Promise<SliceTurn> {
  const { slice, resultKey, now } = options;
  if ((await findSliceResult(store, resultKey, slice)).result) return { action: 'done' };
  // Only in-memory stores lack conditional writes (S3's has them): there, the result check above is all there is.
  if (!store.create) return { action: 'run' };
  const key = sliceClaimKey(resultKey, slice);
  const claim: SliceClaim = { runId: options.runId, workerIndex: slice.workerIndex, workerCount: slice.workerCount, invocation: options.invocation, claimedAt: now(), deadline: options.deadline };
  if (await store.create(key, claim)) return { action: 'run' };
  const pollMs = options.pollMs ?? CLAIM_POLL_MS;
  const startedAt = now();
  for (;;) {
    const found = await findSliceResult(store, resultKey, slice);
    if (found.result) return { action: 'done' };
    const holder = await readClaim(store, key);
    if (holder && now() > holder.deadline + CLAIM_GRACE_MS) {
      const reason = `worker ${slice.workerIndex} of ${slice.workerCount}: invocation ${holder.invocation} claimed the slice at ${iso(holder.claimedAt)} and ended by ${iso(holder.deadline)} without a result; its traffic was sent (at least partly) but its figures are lost, and it is not sent again`;
      if (await storeFailure(store, resultKey, failedSliceResult(slice, holder.claimedAt, reason), found.stale !== undefined)) return { action: 'lost', reason };
      continue;
    }
    // One interval kept in hand: the invocation must still answer before Lambda ends it.
    if (now() + 2 * pollMs > options.deadline) {
      throw new EnvironmentError(
        `worker ${slice.workerIndex} of ${slice.workerCount} of run ${options.runId}: ${holder ? `invocation ${holder.invocation} holds the slice's claim (since ${iso(holder.claimedAt)}, until ${iso(holder.deadline)})` : `another invocation is claiming the slice (${key})`} and no result came in ${now() - startedAt} ms; this invocation sends no traffic`,
      );
    }
    await options.sleep(pollMs);
  }
}

/** A result of the slice with no traffic counted and the reason the figures cannot be trusted: the merge marks the run invalid. */
export function failedSliceResult(slice: SliceIdentity, startedAt: number, reason: string): LoadWorkerResult {
  return {
    workerIndex: slice.workerIndex, workerCount: slice.workerCount, startedAt, durationMs: 0,
    arrivals: { scheduled: 0, launched: 0, late: 0, dropped: 0 }, sessions: { started: 0, passed: 0, failed: 0, errored: 0 },
    errorKinds: {}, assertionFailures: 0, maxLagMs: 0, invalid: [reason], series: [],
  };
}

/** Stores the failure unless a result appeared meanwhile (a stale object of another slice is overwritten). */
async function storeFailure(store: LoadResultStore, resultKey: string, result: LoadWorkerResult, overwrite: boolean): Promise<boolean> {
  if (overwrite) {
    await store.write(resultKey, result);
    return true;
  }
  return (await store.create?.(resultKey, result)) ?? false;
}

async function readClaim(store: LoadResultStore, key: string): Promise<SliceClaim | undefined> {
  const found = await store.find(key);
  if (found === undefined) return undefined;
  const parsed = sliceClaimSchema.safeParse(found);
  if (!parsed.success) throw new EnvironmentError(`the object at ${key} is not a load slice claim: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
