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

/**
 * The phase table's publish, as the local runner runs it: no AWS client (shared code never creates
 * one), so a `logGroup` staging log is reported as a warning, not read. The Lambda
 * (`functions/publish/handler.ts`) and any caller with AWS clients build their own with
 * {@link createPublishPhase} and inject them.
 */
export const runPublish = createPublishPhase({});
