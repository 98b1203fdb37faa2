import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { spawn } from 'node:child_process';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudWatchResources, stagingResourceQueries } from '../../../shared/metrics/cloudwatch-resources';
import { ProcessSampler } from '../../../shared/metrics/process-sampler';
import { staticResources } from '../../../shared/metrics/resources';

const window = { startMs: Date.parse('2026-01-01T10:00:00Z'), endMs: Date.parse('2026-01-01T10:05:00Z') };

describe('cloudWatchResources', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  beforeEach(() => cloudwatch.reset());

  it('asks GetMetricData for the database and Lambda metrics over the window and joins the pages', async () => {
    // Prepare
    const t1 = new Date(window.startMs + 60_000);
    const t2 = new Date(window.startMs + 120_000);
    cloudwatch.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'm0', Timestamps: [t1], Values: [40] }], NextToken: 'next' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'm0', Timestamps: [t2], Values: [80] }] });
    const queries = stagingResourceQueries({ dbInstanceId: 'bot-staging' });

    // Act
    const series = await cloudWatchResources({ cloudwatch: new CloudWatchClient({}), queries }).series(window);

    // Assert
    expect(series).toEqual([
      { label: 'RDS bot-staging CPU', unit: 'Percent', points: [{ t: t1.getTime(), v: 40 }, { t: t2.getTime(), v: 80 }] },
      { label: 'RDS bot-staging connections', unit: 'Count', points: [] },
    ]);
    const inputs = cloudwatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
    expect(inputs[0]).toEqual({
      MetricDataQueries: [
        { Id: 'm0', Label: 'RDS bot-staging CPU', MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'bot-staging' }] }, Period: 60, Stat: 'Average' } },
        { Id: 'm1', Label: 'RDS bot-staging connections', MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: 'DatabaseConnections', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'bot-staging' }] }, Period: 60, Stat: 'Maximum' } },
      ],
      StartTime: new Date(window.startMs),
      EndTime: new Date(window.endMs),
      ScanBy: 'TimestampAscending',
    });
    expect(inputs[1]?.NextToken).toBe('next');
  });

  it('lists the Lambda duration, errors, throttles and concurrency for a function', () => {
    expect(stagingResourceQueries({ functionName: 'bot' }).map((query) => `${query.metricName}/${query.stat}`))
      .toEqual(['Duration/p95', 'Errors/Sum', 'Throttles/Sum', 'ConcurrentExecutions/Maximum']);
  });
});

describe('staticResources', () => {
  it('cuts the series to the window', async () => {
    const source = staticResources([{ label: 'cpu', unit: 'Percent', points: [{ t: window.startMs - 1, v: 1 }, { t: window.startMs, v: 2 }] }]);

    expect(await source.series(window)).toEqual([{ label: 'cpu', unit: 'Percent', points: [{ t: window.startMs, v: 2 }] }]);
  });
});

describe('ProcessSampler', () => {
  it('reads CPU and memory of a real running process from /proc', async () => {
    // Prepare: a child that has loaded (so its memory is Node's, not exec's) and burns CPU between two samples
    const child = spawn(process.execPath, ['-e', "process.stdout.write('ready\\n'); const end = Date.now() + 400; while (Date.now() < end) {} setTimeout(() => {}, 5000)"]);
    try {
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      let clock = 0;
      const sampler = new ProcessSampler({ pid: child.pid ?? -1, name: 'bot', now: () => clock });

      // Act
      expect(await sampler.sample()).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      clock += 1000;
      await sampler.sample();

      // Assert
      const [cpu, memory] = sampler.series();
      expect(cpu?.label).toBe('bot process CPU');
      expect(cpu?.points).toHaveLength(1);
      expect(cpu?.points[0]?.v).toBeGreaterThan(0);
      expect(memory?.points).toHaveLength(2);
      expect(memory?.points[0]?.v).toBeGreaterThan(1);
    } finally {
      child.kill();
    }
  });

  it('returns false for a process that does not exist', async () => {
    const sampler = new ProcessSampler({ pid: 2 ** 22 + 7, name: 'gone' });

    expect(await sampler.sample()).toBe(false);
    expect(sampler.series().every((series) => series.points.length === 0)).toBe(true);
  });
});
