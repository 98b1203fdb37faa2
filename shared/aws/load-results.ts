import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { EnvironmentError } from '../errors';

/**
 * Where fanned-out load workers leave their encoded results: a worker's histograms can pass Step
 * Functions' 256 KB payload limit, so only the object key travels in the execution document.
 */
export interface LoadResultStore {
  /** Stores one worker's result (JSON) under `key`. */
  write(key: string, result: unknown): Promise<void>;
  /** Reads a result back as parsed JSON; throws {@link EnvironmentError} naming the object when it is missing or unreadable. */
  read(key: string): Promise<unknown>;
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
    async read(key) {
      let text: string | undefined;
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        text = await object.Body?.transformToString('utf8');
      } catch (cause) {
        throw new EnvironmentError(`could not read the load result s3://${bucket}/${key} (${(cause as Error).name}): did its worker finish?`, { cause });
      }
      if (text === undefined) throw new EnvironmentError(`the load result s3://${bucket}/${key} is empty`);
      try {
        return JSON.parse(text) as unknown;
      } catch (cause) {
        throw new EnvironmentError(`the load result s3://${bucket}/${key} is not JSON`, { cause });
      }
    },
  };
}
