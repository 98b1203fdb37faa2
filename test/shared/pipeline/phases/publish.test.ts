import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { stringify } from 'yaml';
import { parseYamlDocument } from '../../../../shared/config/load';
import { configSchema } from '../../../../shared/config/schema';
import type { DatabaseProvider } from '../../../../shared/db/provider';
import { staticResources } from '../../../../shared/metrics/resources';
import type { RunContext } from '../../../../shared/pipeline/context';
import { createPublishPhase } from '../../../../shared/pipeline/phases/publish';
import type { PhaseResult } from '../../../../shared/pipeline/report';
import { rerenderReport } from '../../../../shared/report/rerender';
import { makeConfigInput } from '../../../support/config-factory';
import { makeRunContext } from '../../../support/run-context';
import { makeRunReport } from '../../report/fixtures';

const NOW = Date.parse('2026-01-01T10:10:00Z');

async function makeContext(metrics: Record<string, unknown>, results: PhaseResult[]): Promise<RunContext> {
  const dir = await mkdtemp(path.join(tmpdir(), 'publish-'));
  const config = parseYamlDocument(stringify(makeConfigInput({ metrics } as never)), configSchema);
  const base = makeRunContext({} as DatabaseProvider, { config, baseDir: dir, outDir: dir });
  return { ...base, results };
}

const results = (): PhaseResult[] => makeRunReport().phases.filter((phase) => phase.name !== 'publish').map((phase) => ({ ...phase, durationMs: 60_000 }));

interface EmfLine {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [member: string]: unknown;
}

describe('runPublish', () => {
  it('writes every metric and the per-phase durations as valid EMF lines, and a report', async () => {
    // Prepare
    const ctx = await makeContext({ namespace: 'Rehearsal/Test', stagingLog: { file: 'bot.log' } }, results());
    await writeFile(path.join(ctx.baseDir, 'bot.log'), [
      JSON.stringify({ level: 'error', time: NOW - 30_000, msg: 'timeout' }),
      JSON.stringify({ level: 'error', time: NOW - 3_600_000, msg: 'long before the checks' }),
    ].join('\n'));
    ctx.metrics.addDistribution('ResponseTime', Array.from({ length: 150 }, (_, i) => i), undefined, 'Milliseconds');
    const publish = createPublishPhase({ now: () => NOW, resources: staticResources([{ label: 'bot CPU', unit: 'Percent', points: [{ t: NOW - 1000, v: 50 }] }]) });

    // Act
    const outcome = await publish(ctx);

    // Assert
    expect(outcome.status).toBe('passed');
    const lines = (await readFile(path.join(ctx.outDir, 'metrics.emf.jsonl'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as EmfLine);
    for (const line of lines) {
      const [directive] = line._aws.CloudWatchMetrics;
      expect(directive?.Namespace).toBe('Rehearsal/Test');
      for (const set of directive?.Dimensions ?? []) for (const dimension of set) expect(typeof line[dimension]).toBe('string');
      const value = line[directive?.Metrics[0]?.Name ?? ''] as number | { Values: number[]; Counts: number[] };
      if (typeof value !== 'number') {
        expect(value.Values.length).toBeLessThanOrEqual(100);
        expect(value.Counts).toHaveLength(value.Values.length);
      }
    }
    const named = (name: string) => lines.filter((line) => line._aws.CloudWatchMetrics[0]?.Metrics[0]?.Name === name);
    expect(named('PhaseDuration').map((line) => line.Phase)).toEqual(['snapshot', 'restore', 'anonymize', 'verify', 'promote', 'reconcile', 'converse', 'load']);
    expect(named('PhaseFailed').map((line) => line.Phase)).toEqual(['reconcile', 'converse']);
    expect(named('RefreshFailed').map((line) => line.RefreshFailed)).toEqual([1]);
    expect(named('RefreshSucceeded').map((line) => line.RefreshSucceeded)).toEqual([0]);
    expect(named('StagingErrorLines')[0]?.StagingErrorLines).toBe(1);
    expect(named('ResponseTime')).toHaveLength(2);
    expect(outcome.status === 'passed' && outcome.figures).toEqual({ datapoints: 15, emfRecords: 16, stagingErrorLines: 1, resourceSeries: 1, warnings: 0 });
    const html = await readFile(path.join(ctx.outDir, 'report.html'), 'utf8');
    expect(html).toContain('<h1>FAILED</h1>');
    expect(html).toContain('aria-label="bot CPU (Percent)"');
    expect(html).toContain('1 error line(s) in');
  });

  it('leaves the run metrics to the caller when told to (the AWS finish step records them)', async () => {
    const ctx = await makeContext({}, results());

    await createPublishPhase({ now: () => NOW, recordRunMetrics: false })(ctx);

    expect(ctx.metrics.all().map((datum) => datum.name)).not.toContain('RefreshFailed');
    expect(ctx.metrics.all().map((datum) => datum.name)).not.toContain('PhaseDuration');
  });

  it('uploads the report and metrics to S3 under the run id and latest when given a bucket', async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    const ctx = await makeContext({}, results());

    const outcome = await createPublishPhase({ now: () => NOW, upload: { s3: () => new S3Client({}), bucket: 'reports' } })(ctx);

    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
      'support-bot/run-1/report.html', 'support-bot/latest/report.html', 'support-bot/run-1/metrics.emf.jsonl', 'support-bot/latest/metrics.emf.jsonl',
    ]);
    expect(outcome.status === 'passed' && outcome.figures?.uploaded).toBe(4);
    s3.restore();
  });

  it('counts staging errors in CloudWatch Logs over the check window', async () => {
    const logs = mockClient(CloudWatchLogsClient);
    logs.on(FilterLogEventsCommand).resolves({ events: [{ message: '{"level":"error"}' }] });
    const ctx = await makeContext({ stagingLog: { logGroup: '/bot/staging' } }, results());

    await createPublishPhase({ now: () => NOW, logs: () => new CloudWatchLogsClient({}) })(ctx);

    expect(logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input).toEqual({
      logGroupName: '/bot/staging', filterPattern: '{ $.level = "error" }', startTime: NOW - 120_000 - 1000, endTime: NOW + 1000,
    });
    logs.restore();
  });

  it('still writes metrics and the report when staging\'s log cannot be read, with a warning', async () => {
    const ctx = await makeContext({ stagingLog: { file: 'missing.log' } }, results());

    const outcome = await createPublishPhase({ now: () => NOW })(ctx);

    expect(outcome.status).toBe('passed');
    expect(outcome.status === 'passed' && outcome.figures?.warnings).toBe(1);
    expect(outcome.status === 'passed' && JSON.stringify(outcome.details)).toContain("staging's error log not read: cannot read staging's log file");
    await expect(readFile(path.join(ctx.outDir, 'report.html'), 'utf8')).resolves.toContain('<!DOCTYPE html>');
  });

  it('lets the report be rendered again from the final report.json and the saved extras', async () => {
    const ctx = await makeContext({}, results());
    ctx.metrics.addDistribution('ResponseTime', [7], [3], 'Milliseconds');
    await createPublishPhase({ now: () => NOW })(ctx);
    await writeFile(path.join(ctx.outDir, 'report.json'), JSON.stringify(makeRunReport({ status: 'passed', exitCode: 0, settlement: { action: 'committed', detail: 'final settlement' } })));

    const inWindow = { t: NOW - 60_000, v: 42.5 };
    const file = await rerenderReport(ctx.outDir, { resources: [{ label: 'late CPU', unit: 'Percent', points: [{ t: NOW - 3_600_000, v: 99.5 }, inWindow] }] });

    const html = await readFile(file, 'utf8');
    expect(html).toContain('<h1>PASSED</h1>');
    expect(html).toContain('final settlement');
    expect(html).toContain('Load latency distribution (3 replies');
    expect(html).toContain('aria-label="late CPU (Percent)"');
    // Only the sample inside the check window is drawn: one point, so the axis tops out at its value's scale.
    expect(html).toContain('<circle');
    expect(html).not.toContain('>99.5<');
  });
});
