import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { s3PhaseRecordStore, withStoredDetails } from '../../shared/aws/phase-records';
import { guarded, type ProtectedResources } from '../../shared/aws/production-guard';
import { awsDeployment, protectedResources } from '../../shared/aws/resources';
import { stagingMetricQueries } from '../../shared/aws/staging-resources';
import { cloudWatchResources } from '../../shared/metrics/cloudwatch-resources';
import type { RunContext } from '../../shared/pipeline/context';
import type { PhaseOutcome } from '../../shared/pipeline/outcome';
import { createPublishPhase } from '../../shared/pipeline/phases/publish';
import { awsChecksRuntime } from '../common/checks-runtime';
import { createPhaseHandler } from '../common/phase-handler';
import { baseEnvSchema, readEnv } from '../common/env';

/** The publish function's environment: where reports go (set by the pipeline construct from the observability construct's bucket). */
export const publishEnvSchema = baseEnvSchema.pick({ AWS_REGION: true }).extend({
  REPORTS_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)'),
});

/** The AWS clients publish uses. */
export interface PublishClients {
  readonly s3: Pick<S3Client, 'send'>;
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
  readonly logs: Pick<CloudWatchLogsClient, 'send'>;
}

/** The real clients, each with the production guard attached. */
export function createPublishClients(region: string, resources: ProtectedResources): PublishClients {
  return {
    s3: guarded(new S3Client({ region }), resources),
    cloudwatch: guarded(new CloudWatchClient({ region }), resources),
    logs: guarded(new CloudWatchLogsClient({ region }), resources),
  };
}

/**
 * Publish in Lambda. On the first call (the cold start) it validates the environment and creates the
 * guarded clients, once per container: the guard needs the bundled config, which names production.
 * Run metrics are not recorded here: the finish step records them for every run, failed ones included,
 * so recording them in publish too would count each run twice. The report goes to the reports bucket
 * under `<bot>/<runId>/` and `<bot>/latest/` (the address in the alarm runbooks).
 *
 * Each earlier phase ran in its own Lambda: its details and metrics are read back from its phase record
 * (`<bot>/<runId>/phases/<phase>.json`, see `phase-records`) so the report has every section the local
 * run's has. A missing record is a warning in the report, not a failure.
 */
export function createAwsPublish(options: { env?: NodeJS.ProcessEnv; clients?: typeof createPublishClients } = {}): (ctx: RunContext) => Promise<PhaseOutcome> {
  let built: { bucket: string; clients: PublishClients } | undefined;
  return async (ctx) => {
    if (!built) {
      const env = readEnv(publishEnvSchema, options.env ?? process.env);
      built = { bucket: env.REPORTS_BUCKET, clients: (options.clients ?? createPublishClients)(env.AWS_REGION, protectedResources(awsDeployment(ctx.config))) };
    }
    const { bucket, clients } = built;
    const earlier = ctx.results.map((result) => result.name).filter((name) => name !== 'publish');
    const { records, warnings } = await s3PhaseRecordStore(clients.s3, bucket).readAll(ctx.config.bot, ctx.runId, earlier);
    const full: RunContext = { ...ctx, results: withStoredDetails(ctx.results, records) };
    return createPublishPhase({
      earlierMetrics: records.flatMap((record) => record.metrics),
      warnings,
      recordRunMetrics: false,
      upload: { s3: () => clients.s3, bucket },
      // The staging database changes with every swap: the queries follow this run's state.
      resources: cloudWatchResources({ cloudwatch: clients.cloudwatch, queries: stagingMetricQueries(ctx.config, ctx.state) }),
      logs: () => clients.logs,
    })(full);
  };
}

/** The `publish` phase with the Lambda's clients injected; a test proves its name and place are the table's. */
export const phase = { name: 'publish', run: createAwsPublish() } as const;

export const handler = createPhaseHandler(phase, { factory: awsChecksRuntime('Publish') });
