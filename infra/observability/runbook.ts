import { LATEST_FOLDER, reportKey } from '../../shared/report/s3-upload';

/** What on-call needs to read in an alarm: meaning, first check, where the report is, how to re-run. */
export interface Runbook {
  readonly meaning: string;
  readonly firstCheck: string;
}

/** Where the run report lives and how to run again, shared by every alarm of one bot. */
export interface RunbookContext {
  readonly bot: string;
  readonly environment: string;
  /** Where the latest run report is: a URL or an s3:// address (may hold CDK tokens). */
  readonly report: string;
  /** How to start a new run (a state machine ARN token or a CLI command). */
  readonly rerun: string;
}

/** CloudWatch's limit on AlarmDescription. */
const MAX_DESCRIPTION = 1024;

/** The latest report's address: under a base URL when there is one, else in the reports bucket. */
export function latestReportLink(bot: string, reportBaseUrl: string | undefined, bucketName: string, region: string): string {
  // The same key publish uploads to (shared/report/s3-upload.ts).
  const key = reportKey(bot, LATEST_FOLDER, 'report.html');
  return reportBaseUrl
    ? `${reportBaseUrl.replace(/\/$/, '')}/${key}`
    : `s3://${bucketName}/${key} (console: https://${region}.console.aws.amazon.com/s3/object/${bucketName}?prefix=${key})`;
}

/**
 * Formats an alarm description as a runbook. Kept under CloudWatch's 1024-character limit by
 * shortening the meaning, never the report link or the re-run line.
 */
export function runbookText(runbook: Runbook, context: RunbookContext): string {
  const report = `Run report: ${context.report} (report.json beside it).`;
  const tail = ` First check: ${runbook.firstCheck} ${report} Re-run: ${context.rerun}`;
  const head = `[rehearsal ${context.bot}/${context.environment}] ${runbook.meaning}`;
  const room = MAX_DESCRIPTION - tail.length;
  return `${head.length > room ? `${head.slice(0, Math.max(0, room - 1))}…` : head}${tail}`;
}
