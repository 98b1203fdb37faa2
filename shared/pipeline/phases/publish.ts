import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { publishRun, PUBLISH_FILES, type PublishDeps } from '../../report/publish-run';
import type { RunContext } from '../context';
import { outcome, type PhaseOutcome } from '../outcome';

/**
 * Builds the publish phase with its dependencies injected: counts staging's error lines, records the
 * run metrics, writes `metrics.emf.jsonl` (CloudWatch Embedded Metric Format) and `report.html` to the
 * output folder. It passes when the files are written; what they say is the other phases' verdict.
 */
export function createPublishPhase(deps: PublishDeps): (ctx: RunContext) => Promise<PhaseOutcome> {
  return async (ctx) => {
    const summary = await publishRun(ctx, deps);
    const errors = summary.stagingErrorLines === undefined ? '' : `, ${summary.stagingErrorLines} staging error line(s)`;
    return outcome.passed(
      `${summary.datapoints} metrics as ${summary.emfRecords} EMF lines in ${PUBLISH_FILES.emf}; report in ${PUBLISH_FILES.html}${errors}`,
      {
        datapoints: summary.datapoints,
        emfRecords: summary.emfRecords,
        ...(summary.stagingErrorLines === undefined ? {} : { stagingErrorLines: summary.stagingErrorLines }),
        resourceSeries: summary.resourceSeries,
        ...(summary.uploaded.length > 0 ? { uploaded: summary.uploaded.length } : {}),
        warnings: summary.warnings.length,
      },
      summary.warnings.length > 0 ? { warnings: summary.warnings } : undefined,
    );
  };
}

let logsClient: CloudWatchLogsClient | undefined;

/** The publish phase with a CloudWatch Logs client created on first use (only for a `logGroup` staging log). */
export const runPublish = createPublishPhase({ logs: () => (logsClient ??= new CloudWatchLogsClient({})) });
