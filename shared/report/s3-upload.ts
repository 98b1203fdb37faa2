import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { EnvironmentError } from '../errors';

/** The files of one run that go to S3, with their content types. */
export const REPORT_OBJECTS = [
  { file: 'report.html', contentType: 'text/html; charset=utf-8' },
  { file: 'report.json', contentType: 'application/json' },
  { file: 'metrics.emf.jsonl', contentType: 'application/x-ndjson' },
] as const;

/** The folder every run's report is also written to, which alarm runbooks link to. */
export const LATEST_FOLDER = 'latest';

/** The S3 key of one report file: `<bot>/<runId or latest>/<file>`. The one definition the upload and the runbook links share. */
export function reportKey(bot: string, folder: string, file: string): string {
  return `${bot}/${folder}/${file}`;
}

/** Options of {@link uploadReport}. */
export interface UploadReportOptions {
  readonly s3: Pick<S3Client, 'send'>;
  readonly bucket: string;
  readonly bot: string;
  readonly runId: string;
  /** The folder the run wrote its report to. */
  readonly outDir: string;
}

/**
 * Uploads a run's report files to `s3://bucket/<bot>/<runId>/` and again to `<bot>/latest/`, the
 * address alarm runbooks link to. Files that the run did not write are left out. Objects are
 * encrypted with the bucket's key (SSE-KMS or S3-managed, as the bucket says). A refused upload is an
 * {@link EnvironmentError} naming the bucket and key.
 */
export async function uploadReport(options: UploadReportOptions): Promise<string[]> {
  const keys: string[] = [];
  for (const object of REPORT_OBJECTS) {
    let body: Buffer;
    try {
      body = await readFile(path.join(options.outDir, object.file));
    } catch {
      continue;
    }
    for (const folder of [options.runId, LATEST_FOLDER]) {
      const key = reportKey(options.bot, folder, object.file);
      try {
        await options.s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: body, ContentType: object.contentType, CacheControl: folder === LATEST_FOLDER ? 'no-cache' : 'max-age=31536000, immutable' }));
      } catch (cause) {
        throw new EnvironmentError(`cannot upload the run report to s3://${options.bucket}/${key}: ${(cause as Error).name}`, { cause });
      }
      keys.push(key);
    }
  }
  return keys;
}
