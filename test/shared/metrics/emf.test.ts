import { METRIC, METRIC_CATALOG, metricSpec } from '../../../shared/metrics/catalog';
import { EMF_MAX_VALUES, toEmfLines, toEmfRecords, type EmfDistribution } from '../../../shared/metrics/emf';
import { MetricsRecorder } from '../../../shared/metrics/recorder';

const recorder = (): MetricsRecorder => new MetricsRecorder({ Environment: 'staging', Bot: 'support' }, () => 1_700_000_000_000);

describe('toEmfRecords', () => {
  it('writes a single value as a number under every dimension set the datapoint has', () => {
    // Prepare
    const metrics = recorder();
    metrics.add(METRIC.TurnLatency, 42, 'Milliseconds', { Conversation: 'order-status', Turn: '2' });

    // Act
    const [record, ...rest] = toEmfRecords(metrics.all(), 'Rehearsal');

    // Assert
    expect(rest).toHaveLength(0);
    expect(record).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [{
          Namespace: 'Rehearsal',
          Dimensions: [['Environment', 'Bot'], ['Environment', 'Bot', 'Conversation'], ['Environment', 'Bot', 'Conversation', 'Turn']],
          Metrics: [{ Name: 'TurnLatency', Unit: 'Milliseconds' }],
        }],
      },
      Environment: 'staging',
      Bot: 'support',
      Conversation: 'order-status',
      Turn: '2',
      TurnLatency: 42,
    });
  });

  it('leaves out dimension sets whose dimensions the datapoint lacks', () => {
    const metrics = recorder();
    metrics.add(METRIC.TurnLatency, 12, 'Milliseconds');

    const [record] = toEmfRecords(metrics.all(), 'Rehearsal');

    expect(record?._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Environment', 'Bot']]);
  });

  it('writes a distribution as Values and Counts with its statistic set, merging repeated values', () => {
    const metrics = recorder();
    metrics.addDistribution(METRIC.ResponseTime, [5, 3, 5, 9], [2, 1, 1, 4], 'Milliseconds');

    const [record] = toEmfRecords(metrics.all(), 'Rehearsal');

    expect(record?.ResponseTime).toEqual({ Values: [3, 5, 9], Counts: [1, 3, 4], Count: 8, Sum: 3 + 15 + 36, Min: 3, Max: 9 });
  });

  it('splits a distribution of more than 100 distinct values into several records, keeping every count', () => {
    const metrics = recorder();
    const values = Array.from({ length: 250 }, (_, index) => index + 1);
    metrics.addDistribution(METRIC.ResponseTime, values, values.map(() => 2), 'Milliseconds');

    const records = toEmfRecords(metrics.all(), 'Rehearsal');

    expect(records).toHaveLength(3);
    const parts = records.map((record) => record.ResponseTime as EmfDistribution);
    expect(parts.every((part) => part.Values.length <= EMF_MAX_VALUES)).toBe(true);
    expect(parts.reduce((sum, part) => sum + part.Count, 0)).toBe(500);
    expect(parts.flatMap((part) => part.Values)).toEqual(values);
  });

  it('puts a load metric recorded both overall and per turn only under its finest set, so nothing is counted twice', () => {
    const metrics = recorder();
    metrics.add(METRIC.Requests, 10, 'Count', { Phase: 'load' });
    metrics.add(METRIC.Requests, 4, 'Count', { Phase: 'load', Conversation: 'order-status', Turn: '1' });

    const [overall, perTurn] = toEmfRecords(metrics.all(), 'Rehearsal');

    expect(overall?._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Environment', 'Bot']]);
    expect(perTurn?._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Environment', 'Bot', 'Conversation', 'Turn']]);
    expect(perTurn?.Phase).toBe('load');
  });

  it('rolls a metric recorded only per table up into the bot total as well', () => {
    const metrics = recorder();
    metrics.add(METRIC.MaskedRows, 50, 'Count', { Phase: 'anonymize', Table: 'public.users' });

    const [record] = toEmfRecords(metrics.all(), 'Rehearsal');

    expect(record?._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Environment', 'Bot'], ['Environment', 'Bot', 'Table']]);
  });

  it('publishes a metric outside the catalog under the dimensions it carries', () => {
    const metrics = recorder();
    metrics.add('SomethingNew', 4, 'Count', { Phase: 'load' });

    const [record] = toEmfRecords(metrics.all(), 'Rehearsal');

    expect(record?._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Environment', 'Bot', 'Phase']]);
    expect(record?.SomethingNew).toBe(4);
  });

  it('writes one JSON document per line', () => {
    const metrics = recorder();
    metrics.add(METRIC.DriftKeys, 2, 'Count');
    metrics.add(METRIC.LeakedSecrets, 1, 'Count');

    const lines = toEmfLines(metrics.all(), 'Rehearsal').split('\n');

    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines.slice(0, 2).map((line) => Object.keys(JSON.parse(line) as object).at(-1))).toEqual(['DriftKeys', 'LeakedSecrets']);
  });
});

describe('METRIC_CATALOG', () => {
  it('starts every dimension set with Environment and Bot, so every alarm can filter on them', () => {
    for (const spec of Object.values(METRIC_CATALOG)) {
      for (const set of spec.dimensionSets) expect(set.slice(0, 2)).toEqual(['Environment', 'Bot']);
    }
  });

  it('finds entries by name and nothing for unknown names or inherited properties', () => {
    expect(metricSpec('PiiFindings')?.unit).toBe('Count');
    expect(metricSpec('toString')).toBeUndefined();
    expect(metricSpec('Nope')).toBeUndefined();
  });
});
