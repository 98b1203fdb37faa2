import type { MetricDatum } from '../metrics/recorder';

/** A merged distribution: sorted distinct values with their counts. */
export interface Distribution {
  readonly values: readonly number[];
  readonly counts: readonly number[];
  readonly total: number;
}

/** Merges datapoints (single values or value/count distributions) into one distribution. */
export function mergeDistribution(data: readonly MetricDatum[]): Distribution {
  const merged = new Map<number, number>();
  for (const datum of data) {
    datum.values.forEach((value, index) => merged.set(value, (merged.get(value) ?? 0) + (datum.counts?.[index] ?? 1)));
  }
  const pairs = [...merged].filter(([, count]) => count > 0).sort(([a], [b]) => a - b);
  return { values: pairs.map(([value]) => value), counts: pairs.map(([, count]) => count), total: pairs.reduce((sum, [, count]) => sum + count, 0) };
}

/** The value at a percentile (0-100) by the nearest-rank method; undefined for an empty distribution. */
export function percentile(distribution: Distribution, p: number): number | undefined {
  if (distribution.total === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * distribution.total));
  let seen = 0;
  for (let index = 0; index < distribution.values.length; index += 1) {
    seen += distribution.counts[index] ?? 0;
    if (seen >= rank) return distribution.values[index];
  }
  return distribution.values.at(-1);
}

/** Buckets a distribution into `buckets` equal-width bins for a histogram chart. */
export function histogram(distribution: Distribution, buckets = 30): { from: number; to: number; count: number }[] {
  const min = distribution.values[0];
  const max = distribution.values.at(-1);
  if (min === undefined || max === undefined) return [];
  const width = max === min ? 1 : (max - min) / buckets;
  const bins = Array.from({ length: max === min ? 1 : buckets }, (_, index) => ({ from: min + index * width, to: min + (index + 1) * width, count: 0 }));
  distribution.values.forEach((value, index) => {
    const bin = bins[Math.min(bins.length - 1, Math.floor((value - min) / width))];
    if (bin) bin.count += distribution.counts[index] ?? 0;
  });
  return bins;
}
