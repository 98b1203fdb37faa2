import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { S3Client } from '@aws-sdk/client-s3';
import { describeError } from '../errors';
import { cloudWatchStagingLog } from '../metrics/cloudwatch-staging-log';
import { METRIC } from '../metrics/catalog';
import { toEmfRecords } from '../metrics/emf';
import type { MetricDatum } from '../metrics/recorder';
import type { ResourceSeries, ResourceSource } from '../metrics/resources';
import { recordRunMetrics } from '../metrics/run-metrics';
import { fileStagingLog, type CheckWindow, type StagingErrors, type StagingLogSource } from '../metrics/staging-log';
import type { RunContext } from '../pipeline/context';
import type { RunReport } from '../pipeline/report';
import type { ReportExtras } from './extras';
import { renderReportHtml } from './render';
import { uploadReport } from './s3-upload';

/** File names publish writes into the output folder. */
export const PUBLISH_FILES = { emf: 'metrics.emf.jsonl', html: 'report.html', extras: 'report-extras.json' } as const;

/** What publish may be given: a source of staging's resource metrics and a CloudWatch Logs client. */
export interface PublishDeps {
  readonly resources?: ResourceSource;
  readonly logs?: () => Pick<CloudWatchLogsClient, 'send'>;
  readonly now?: () => number;
  /**
   * Record the run metrics (phase durations, RefreshSucceeded/RefreshFailed) here. In AWS the finish
   * step records them, since it also runs when an execution fails before publish: pass false there
   * so nothing is counted twice. @default true
   */
  readonly recordRunMetrics?: boolean;
  /** In AWS: upload the report files to this bucket (`<bot>/<runId>/` and `<bot>/latest/`). */
  readonly upload?: { readonly s3: () => Pick<S3Client, 'send'>; readonly bucket: string };
  /**
   * In AWS: the metrics the earlier phases recorded in their own Lambdas (read back from their phase
   * records). They go into the report and `metrics.emf.jsonl`, never into `ctx.metrics`: those Lambdas
   * already emitted them to CloudWatch, and publish's own EMF output must not count them twice.
   */
  readonly earlierMetrics?: readonly MetricDatum[];
  /** Warnings found before publish ran (phase records that could not be read); reported with its own. */
  readonly warnings?: readonly string[];
}

/** What publish did. */
export interface PublishSummary {
  readonly datapoints: number;
  readonly emfRecords: number;
  readonly stagingErrorLines: number | undefined;
  readonly resourceSeries: number;
  /** S3 keys written, when uploading. */
  readonly uploaded: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Counts staging's error lines over the check window (converse and load), records the run metrics,
 * writes every metric as EMF JSON lines, and writes the HTML report with the extras it used (so the
 * report can be rendered again once report.json is final); in AWS, uploads the files to S3. Staging's log or resources being
 * unreadable is a warning in the summary: the metrics and report still get written.
 */
export async function publishRun(ctx: RunContext, deps: PublishDeps = {}): Promise<PublishSummary> {
  const now = deps.now ?? Date.now;
  const window = checkWindow(ctx, now());
  const warnings: string[] = [...(deps.warnings ?? [])];
  const stagingErrors = await readStagingErrors(ctx, deps, window).catch((error: unknown) => {
    warnings.push(`staging's error log not read: ${describeError(error)}`);
    return undefined;
  });
  if (stagingErrors) ctx.metrics.add(METRIC.StagingErrorLines, stagingErrors.count, 'Count');
  const resourceSource = deps.resources ?? ctx.providers.resources;
  const resources: readonly ResourceSeries[] = resourceSource
    ? await resourceSource.series(window).catch((error: unknown) => {
      warnings.push(`staging's resource metrics not read: ${describeError(error)}`);
      return [];
    })
    : [];
  if (deps.recordRunMetrics ?? true) recordRunMetrics(ctx.metrics, ctx.results);

  const metrics = [...(deps.earlierMetrics ?? []), ...ctx.metrics.all()];
  const records = toEmfRecords(metrics, ctx.config.metrics.namespace);
  await writeFile(path.join(ctx.outDir, PUBLISH_FILES.emf), records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  const extras: ReportExtras = {
    metrics,
    ...(stagingErrors ? { stagingErrors } : {}),
    resources,
    checkWindow: window,
  };
  await writeFile(path.join(ctx.outDir, PUBLISH_FILES.extras), `${JSON.stringify(extras)}\n`);
  await writeFile(path.join(ctx.outDir, PUBLISH_FILES.html), renderReportHtml(provisionalReport(ctx, now()), extras));
  const uploaded = deps.upload
    ? await uploadReport({ s3: deps.upload.s3(), bucket: deps.upload.bucket, bot: ctx.config.bot, runId: ctx.runId, outDir: ctx.outDir })
    : [];
  for (const warning of warnings) ctx.log.warn(warning);
  return { datapoints: metrics.length, emfRecords: records.length, stagingErrorLines: stagingErrors?.count, resourceSeries: resources.length, uploaded, warnings };
}

/** The span of the converse and load phases, which ran just before publish. */
export function checkWindow(ctx: RunContext, nowMs: number): CheckWindow {
  const checks = ctx.results.filter((result) => result.name === 'converse' || result.name === 'load');
  const span = checks.reduce((sum, result) => sum + result.durationMs, 0);
  // A second of slack on each side: log timestamps and our clock are not the same clock.
  return { startMs: nowMs - span - 1000, endMs: nowMs + 1000 };
}

async function readStagingErrors(ctx: RunContext, deps: PublishDeps, window: CheckWindow): Promise<StagingErrors | undefined> {
  const config = ctx.config.metrics.stagingLog;
  if (!config) return undefined;
  let source: StagingLogSource;
  if ('file' in config) source = fileStagingLog(path.resolve(ctx.baseDir, config.file));
  else if (deps.logs) source = cloudWatchStagingLog({ logs: deps.logs(), logGroup: config.logGroup, filterPattern: config.filterPattern });
  else throw new Error(`metrics.stagingLog.logGroup ${config.logGroup} needs a CloudWatch Logs client`);
  return source.countErrors(window);
}

/** The report as it stands while publish runs: the lead's runner writes the final report.json after. */
function provisionalReport(ctx: RunContext, nowMs: number): RunReport {
  const durationMs = ctx.results.reduce((sum, result) => sum + result.durationMs, 0);
  const failed = ctx.results.filter((result) => result.status === 'failed');
  const exitCode = failed.length === 0 ? 0 : Math.max(1, ...failed.map((result) => result.error?.exitCode ?? 1));
  return {
    runId: ctx.runId,
    status: failed.length === 0 ? 'passed' : 'failed',
    exitCode,
    startedAt: new Date(nowMs - durationMs).toISOString(),
    finishedAt: new Date(nowMs).toISOString(),
    durationMs,
    bot: ctx.config.bot,
    environment: ctx.config.environment,
    phases: ctx.results,
    settlement: ctx.state.settlement ?? { action: 'none', detail: 'not settled yet' },
  };
}
