import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readFile } from 'node:fs/promises';
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
  s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
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

  it("renders the anonymization and conversations sections from the earlier phases' stored records, warning about a missing one", async () => {
    // Prepare: anonymize and converse ran in their own Lambdas; only figures came in the execution document.
    const base = await context();
    const ctx: RunContext = { ...base, results: [
      { name: 'anonymize', status: 'passed', summary: 'masked 3 rows', durationMs: 1000, attempts: 1, figures: { rows: 3 } },
      { name: 'reconcile', status: 'passed', summary: 'no drift', durationMs: 1000, attempts: 1, figures: {} },
      { name: 'converse', status: 'failed', summary: '1 of 2 conversations failed', durationMs: 60_000, attempts: 1, figures: { conversations: 2, passed: 1 } },
    ] };
    const latency = { name: 'ResponseTime', unit: 'Milliseconds', values: [12], dimensions: { Environment: 'staging', Bot: 'support-bot', Conversation: 'email-on-file', Turn: '1' }, timestamp: 1_700_000_000_000 };
    const stored: Record<string, object> = {
      'support-bot/run-1/phases/anonymize.json': { phase: 'anonymize', details: { tables: [{ table: 'public.users', rows: 3, masked: 2 }] }, metrics: [] },
      'support-bot/run-1/phases/converse.json': { phase: 'converse', metrics: [latency], details: { conversations: [
        { name: 'order-status', passed: true, turns: [] },
        { name: 'email-on-file', passed: false, turns: [{ user: 'what email do you have?', bot: 'It is user-7f3a@example.invalid', latencyMs: 12, failure: 'reply must not contain an address' }] },
      ] } },
    };
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const body = stored[input.Key];
      if (!body) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
      return { Body: { transformToString: async () => JSON.stringify(body) } };
    });
    const { make } = countedClients();

    // Act
    const outcome = await createAwsPublish({ env: ENV, clients: make })(ctx);

    // Assert
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual(['anonymize', 'reconcile', 'converse'].map((phase) => ({ Bucket: 'rehearsal-reports-bucket', Key: `support-bot/run-1/phases/${phase}.json` })));
    const html = await readFile(path.join(ctx.outDir, 'report.html'), 'utf8');
    const section = (id: string): string => html.slice(html.indexOf(`id="${id}"`), html.indexOf('</section>', html.indexOf(`id="${id}"`)));
    expect(section('coverage')).toContain('public.users');
    expect(section('conversations')).toContain('email-on-file');
    expect(section('conversations')).toContain('reply must not contain an address');
    expect(outcome.status === 'pending' ? undefined : outcome.details).toEqual({ warnings: [expect.stringContaining('no details stored for the reconcile phase (s3://rehearsal-reports-bucket/support-bot/run-1/phases/reconcile.json)')] });
    // The converse Lambda already emitted its metrics: they reach the report, never publish's own EMF output.
    const extras = JSON.parse(await readFile(path.join(ctx.outDir, 'report-extras.json'), 'utf8')) as { metrics: { name: string }[] };
    expect(extras.metrics.map((datum) => datum.name)).toContain('ResponseTime');
    expect(ctx.metrics.all().map((datum) => datum.name)).not.toContain('ResponseTime');
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
