import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { EnvironmentError } from '../errors';
import { loadWorkerResultSchema, type LoadWorkerResult } from '../load/result-schema';

/**
 * Where fanned-out load workers leave their encoded results: a worker's histograms can pass Step
 * Functions' 256 KB payload limit, so only the object key travels in the execution document.
 */
export interface LoadResultStore {
  /** Stores one worker's result (JSON) under `key`. */
  write(key: string, result: unknown): Promise<void>;
  /** Reads a result back as parsed JSON; throws {@link EnvironmentError} naming the object when it is missing or unreadable. */
  read(key: string): Promise<unknown>;
  /** Like {@link read}, but a missing object gives `undefined` instead of an error. */
  find(key: string): Promise<unknown>;
  /**
   * Stores `body` (JSON) under `key` only if no object is there (S3's conditional put, `If-None-Match: *`):
   * true when this call created it, false when an object exists or another conditional write of the key
   * is in flight. Optional so in-memory stores stay simple; a worker without it cannot claim its slice.
   */
  create?(key: string, body: unknown): Promise<boolean>;
}

/** What a worker Lambda returns to the Map state: which worker it was and where its result is. */
export const loadWorkerReportSchema = z.object({
  workerIndex: z.number().int().min(0),
  resultKey: z.string().min(1),
});
export type LoadWorkerReport = z.infer<typeof loadWorkerReportSchema>;

/** Every result key starts with this: the workers' and the merge's grants are scoped to it. */
export const LOAD_RESULTS_PREFIX = 'load-results/';

/** The object key of one worker's result: per run, so a retried plan or worker overwrites its own. */
export function loadResultKey(runId: string, workerIndex: number): string {
  return `${LOAD_RESULTS_PREFIX}${runId}/worker-${String(workerIndex).padStart(2, '0')}.json`;
}

/** A {@link LoadResultStore} over one S3 bucket (the client is injected; SSE and TLS are the bucket's). */
export function s3LoadResultStore(s3: S3Client, bucket: string): LoadResultStore {
  return {
    async write(key, result) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(result), ContentType: 'application/json' }));
    },
    read: (key) => readObject(s3, bucket, key, false),
    find: (key) => readObject(s3, bucket, key, true),
    async create(key, body) {
      try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(body), ContentType: 'application/json', IfNoneMatch: '*' }));
        return true;
      } catch (cause) {
        if (isConditionLost(cause)) return false;
        throw new EnvironmentError(`could not write s3://${bucket}/${key} (${(cause as Error).name})`, { cause });
      }
    },
  };
}

/** 412 PreconditionFailed: the object exists; 409 ConditionalRequestConflict: another conditional write of it is in flight. */
function isConditionLost(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = error instanceof Error ? error.name : '';
  return status === 412 || status === 409 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict';
}

/**
 * S3 answers a missing object with `NoSuchKey` (GetObject) or `NotFound` (HeadObject), but only to a
 * caller allowed s3:ListBucket; without it the answer is AccessDenied, which stays an error here.
 */
const MISSING_OBJECT = /^(NoSuchKey|NotFound)$/;

async function readObject(s3: S3Client, bucket: string, key: string, missingIsUndefined: boolean): Promise<unknown> {
  let text: string | undefined;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = await object.Body?.transformToString('utf8');
  } catch (cause) {
    if (missingIsUndefined && cause instanceof Error && MISSING_OBJECT.test(cause.name)) return undefined;
    throw new EnvironmentError(`could not read the load result s3://${bucket}/${key} (${(cause as Error).name}): did its worker finish?`, { cause });
  }
  if (text === undefined) throw new EnvironmentError(`the load result s3://${bucket}/${key} is empty`);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new EnvironmentError(`the load result s3://${bucket}/${key} is not JSON`, { cause });
  }
}

/** Which slice a result belongs to. */
export interface SliceIdentity {
  readonly workerIndex: number;
  readonly workerCount: number;
}

/**
 * The result a worker already stored for this slice, or `undefined` when the slice has not run (no
 * object). A worker invocation that Step Functions (or Lambda) retries after the result was written
 * finds it here and must not send the slice's traffic again. An object that is not a result of this
 * very slice (another worker's, another plan's, not a result at all) is `undefined` too, with the
 * reason: the slice has not run under this plan and is run again, its object overwritten.
 */
export async function findSliceResult(
  store: LoadResultStore, key: string, slice: SliceIdentity,
): Promise<{ result: LoadWorkerResult } | { result: undefined; stale?: string }> {
  const found = await store.find(key);
  if (found === undefined) return { result: undefined };
  const parsed = loadWorkerResultSchema.safeParse(found);
  if (!parsed.success) return { result: undefined, stale: `the object at ${key} is not a load worker result` };
  if (!sameSlice(parsed.data, slice)) {
    return { result: undefined, stale: `the object at ${key} is worker ${parsed.data.workerIndex} of ${parsed.data.workerCount}'s result, not worker ${slice.workerIndex} of ${slice.workerCount}'s` };
  }
  return { result: parsed.data };
}

/**
 * Reads each planned slice's result exactly once, in plan order, and checks it is that slice's: a
 * plan naming a slice twice, or an object holding another slice's result, would count traffic twice
 * in the merge, so either is an {@link EnvironmentError} naming the key.
 */
export async function readSliceResults(
  store: LoadResultStore, items: readonly { readonly slice: SliceIdentity; readonly resultKey: string }[],
): Promise<LoadWorkerResult[]> {
  const workers = new Set<number>();
  const keys = new Set<string>();
  for (const { slice, resultKey } of items) {
    if (workers.has(slice.workerIndex) || keys.has(resultKey)) {
      throw new EnvironmentError(`the load plan names worker ${slice.workerIndex} or its result ${resultKey} twice: its traffic would be counted twice`);
    }
    workers.add(slice.workerIndex);
    keys.add(resultKey);
  }
  return Promise.all(items.map(async ({ slice, resultKey }) => {
    const parsed = loadWorkerResultSchema.safeParse(await store.read(resultKey));
    if (!parsed.success) throw new EnvironmentError(`the load result at ${resultKey} is not a load worker result: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    if (!sameSlice(parsed.data, slice)) {
      throw new EnvironmentError(`the load result at ${resultKey} is worker ${parsed.data.workerIndex} of ${parsed.data.workerCount}'s, not worker ${slice.workerIndex} of ${slice.workerCount}'s: it would be counted twice`);
    }
    return parsed.data;
  }));
}

function sameSlice(result: SliceIdentity, slice: SliceIdentity): boolean {
  return result.workerIndex === slice.workerIndex && result.workerCount === slice.workerCount;
}
