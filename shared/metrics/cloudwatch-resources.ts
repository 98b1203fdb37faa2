import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { EnvironmentError } from '../errors';
import type { ResourceSeries, ResourceSource } from './resources';

/** One AWS resource metric to draw beside the latency curves. */
export interface ResourceQuery {
  readonly label: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: string;
  readonly unit: string;
}

/** The standard resource metrics of a staging bot: its database (an instance, or an Aurora cluster) and its Lambda function. */
export function stagingResourceQueries(resources: { dbInstanceId?: string; dbClusterId?: string; functionName?: string }): ResourceQuery[] {
  const queries: ResourceQuery[] = [];
  const cluster = resources.dbClusterId;
  if (cluster) {
    const dimensions = { DBClusterIdentifier: cluster };
    queries.push(
      { label: `Aurora ${cluster} CPU`, namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions, stat: 'Average', unit: 'Percent' },
      { label: `Aurora ${cluster} connections`, namespace: 'AWS/RDS', metricName: 'DatabaseConnections', dimensions, stat: 'Maximum', unit: 'Count' },
    );
  }
  const db = resources.dbInstanceId;
  if (db) {
    const dimensions = { DBInstanceIdentifier: db };
    queries.push(
      { label: `RDS ${db} CPU`, namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions, stat: 'Average', unit: 'Percent' },
      { label: `RDS ${db} connections`, namespace: 'AWS/RDS', metricName: 'DatabaseConnections', dimensions, stat: 'Maximum', unit: 'Count' },
    );
  }
  const fn = resources.functionName;
  if (fn) {
    const dimensions = { FunctionName: fn };
    queries.push(
      { label: `Lambda ${fn} duration p95`, namespace: 'AWS/Lambda', metricName: 'Duration', dimensions, stat: 'p95', unit: 'Milliseconds' },
      { label: `Lambda ${fn} errors`, namespace: 'AWS/Lambda', metricName: 'Errors', dimensions, stat: 'Sum', unit: 'Count' },
      { label: `Lambda ${fn} throttles`, namespace: 'AWS/Lambda', metricName: 'Throttles', dimensions, stat: 'Sum', unit: 'Count' },
      { label: `Lambda ${fn} concurrency`, namespace: 'AWS/Lambda', metricName: 'ConcurrentExecutions', dimensions, stat: 'Maximum', unit: 'Count' },
    );
  }
  return queries;
}

/**
 * Reads resource metrics over a window with one paginated GetMetricData call (client injected).
 * A refused call is an {@link EnvironmentError}.
 */
export function cloudWatchResources(options: {
  cloudwatch: Pick<CloudWatchClient, 'send'>;
  queries: readonly ResourceQuery[];
  periodSeconds?: number;
}): ResourceSource {
  const dataQueries: MetricDataQuery[] = options.queries.map((query, index) => ({
    Id: `m${index}`,
    Label: query.label,
    MetricStat: {
      Metric: {
        Namespace: query.namespace,
        MetricName: query.metricName,
        Dimensions: Object.entries(query.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: options.periodSeconds ?? 60,
      Stat: query.stat,
    },
  }));
  return {
    async series(window) {
      if (dataQueries.length === 0) return [];
      const points = new Map<string, { t: number; v: number }[]>();
      let nextToken: string | undefined;
      do {
        let page;
        try {
          page = await options.cloudwatch.send(new GetMetricDataCommand({
            MetricDataQueries: dataQueries,
            StartTime: new Date(window.startMs),
            EndTime: new Date(window.endMs),
            ScanBy: 'TimestampAscending',
            ...(nextToken ? { NextToken: nextToken } : {}),
          }));
        } catch (cause) {
          throw new EnvironmentError(`cannot read staging's resource metrics from CloudWatch: ${(cause as Error).name}`, { cause });
        }
        for (const result of page.MetricDataResults ?? []) {
          const list = points.get(result.Id ?? '') ?? [];
          (result.Timestamps ?? []).forEach((at, index) => {
            const value = result.Values?.[index];
            if (value !== undefined) list.push({ t: at.getTime(), v: value });
          });
          points.set(result.Id ?? '', list);
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return options.queries.map((query, index): ResourceSeries => ({
        label: query.label,
        unit: query.unit,
        points: (points.get(`m${index}`) ?? []).sort((a, b) => a.t - b.t),
      }));
    },
  };
}
