import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { createAwsPublish, type PublishClients } from '../../functions/publish/handler';
import type { Config } from '../../shared/config/schema';
import { ConfigError } from '../../shared/errors';
import { METRIC } from '../../shared/metrics/catalog';
import type { DatabaseProvider } from '../../shared/db/provider';
import type { RunContext } from '../../shared/pipeline/context';
import type { PhaseResult } from '../../shared/pipeline/report';
import { makeRunContext } from '../support/run-context';
import { rdsConfig } from '../shared/aws/factories';

const s3 = mockClient(S3Client);
const cloudwatch = mockClient(CloudWatchClient);
const logs = mockClient(CloudWatchLogsClient);
const ENV = { AWS_REGION: 'eu-west-1', REPORTS_BUCKET: 'rehearsal-reports-bucket' };

beforeEach(() => {
  s3.reset();
  cloudwatch.reset();
  logs.reset();
  s3.on(PutObjectCommand).resolves({});
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  logs.on(FilterLogEventsCommand).resolves({ events: [{ message: '{"level":"error"}', timestamp: Date.now() }] });
});

/** A run of the RDS example config whose bot runs in Lambda and logs to CloudWatch, after a swap to candidate `cand-1`. */
async function context(): Promise<RunContext> {
  const base = rdsConfig();
  const config: Config = { ...base, metrics: { ...base.metrics, stagingLog: { logGroup: '/aws/lambda/support-bot-staging', filterPattern: '{ $.level = "error" }' } } };
  const outDir = await mkdtemp(path.join(tmpdir(), 'publish-lambda-'));
  const results: PhaseResult[] = [{ name: 'converse', status: 'failed', summary: '1 failed', durationMs: 60_000, attempts: 1, figures: {} }];
  return { ...makeRunContext({} as DatabaseProvider, { config, outDir, state: { promotion: { staging: { id: 'rehearsal-support-cand-1', database: 'support' } } } }), results };
}

/** Clients as the handler makes them, counted. */
function countedClients() {
  const made: { region: string }[] = [];
  const make = (region: string): PublishClients => {
    made.push({ region });
    return { s3: new S3Client({}), cloudwatch: new CloudWatchClient({}), logs: new CloudWatchLogsClient({}) };
  };
  return { made, make };
}

describe('the publish Lambda', () => {
  it("uploads the report to the bucket from its environment, reads the swapped-in database's and the bot's metrics, and records no run metric", async () => {
    // Prepare
    const ctx = await context();
    const { make } = countedClients();

    // Act
    const outcome = await createAwsPublish({ env: ENV, clients: make })(ctx);

    // Assert
    expect(outcome.status).toBe('passed');
    const keys = s3.commandCalls(PutObjectCommand).map((call) => [call.args[0].input.Bucket, call.args[0].input.Key]);
    expect(keys).toEqual(expect.arrayContaining([['rehearsal-reports-bucket', 'support-bot/run-1/report.html'], ['rehearsal-reports-bucket', 'support-bot/latest/report.html']]));
    const queries = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries ?? [];
    expect(queries.map((query) => query.MetricStat?.Metric?.Dimensions)).toEqual(expect.arrayContaining([
      [{ Name: 'DBInstanceIdentifier', Value: 'rehearsal-support-cand-1' }],
      [{ Name: 'FunctionName', Value: 'support-bot-staging' }],
    ]));
    expect(logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input.logGroupName).toBe('/aws/lambda/support-bot-staging');
    // Finish records these for every run (failed ones too): publish recording them would count the run twice.
    const names = ctx.metrics.all().map((datum) => datum.name);
    for (const name of [METRIC.RefreshSucceeded, METRIC.RefreshFailed, METRIC.PhaseDuration, METRIC.RunDuration]) expect(names).not.toContain(name);
    expect(names).toContain(METRIC.StagingErrorLines);
  });

  it('creates its clients once per container, in the configured region', async () => {
    const { made, make } = countedClients();
    const publish = createAwsPublish({ env: ENV, clients: make });

    await publish(await context());
    await publish(await context());

    expect(made).toEqual([{ region: 'eu-west-1' }]);
  });

  it('refuses to run without the bucket variable, naming it, before any AWS call', async () => {
    const { made, make } = countedClients();

    const error = await createAwsPublish({ env: { AWS_REGION: 'eu-west-1' }, clients: make })(await context()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.path)).toEqual(['env.REPORTS_BUCKET']);
    expect(made).toEqual([]);
    expect(s3.calls()).toHaveLength(0);
  });
});
