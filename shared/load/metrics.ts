import type { MetricsRecorder } from '../metrics/recorder';
import { toDistribution } from './histograms';
import type { LoadMeasurement } from './measurement';

/**
 * Records a load run's latencies as CloudWatch distributions (distinct values with counts, from the
 * HdrHistograms), per (Conversation, Turn) and overall, so CloudWatch computes percentiles itself and
 * they stay right when several workers or runs are combined. Pre-computed percentiles are never sent.
 */
export function recordLoadMetrics(measurement: LoadMeasurement, metrics: MetricsRecorder): void {
  const phase = { Phase: 'load' } as const;
  for (const series of measurement.series.values()) {
    const dimensions = { ...phase, Conversation: series.conversation, Turn: String(series.turn) };
    addHistogram(metrics, 'ResponseTime', series.response, dimensions);
    addHistogram(metrics, 'ServiceTime', series.service, dimensions);
    if (series.firstToken.totalCount > 0) addHistogram(metrics, 'TimeToFirstToken', series.firstToken, dimensions);
    metrics.add('Requests', series.requests, 'Count', dimensions);
    metrics.add('Errors', series.errors, 'Count', dimensions);
  }
  const overall = measurement.combined();
  addHistogram(metrics, 'ResponseTime', overall.response, phase);
  addHistogram(metrics, 'ServiceTime', overall.service, phase);
  metrics.add('Requests', overall.requests, 'Count', phase);
  metrics.add('Errors', overall.errors, 'Count', phase);
  metrics.add('LateArrivals', measurement.arrivals.late, 'Count', phase);
  metrics.add('DroppedArrivals', measurement.arrivals.dropped, 'Count', phase);
  if (measurement.durationMs > 0) metrics.add('Throughput', overall.requests / (measurement.durationMs / 1000), 'Count/Second', phase);
}

function addHistogram(metrics: MetricsRecorder, name: string, histogram: Parameters<typeof toDistribution>[0], dimensions: Parameters<MetricsRecorder['add']>[3]): void {
  if (histogram.totalCount === 0) return;
  const { values, counts } = toDistribution(histogram);
  metrics.addDistribution(name, values, counts, 'Milliseconds', dimensions);
}
