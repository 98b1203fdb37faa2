import { DIMENSION_NAMES, metricSpec, type DimensionName } from './catalog';
import type { MetricDatum, MetricUnit } from './recorder';

/** CloudWatch accepts at most 100 values in one EMF target member. */
export const EMF_MAX_VALUES = 100;

/** A distribution in EMF: distinct values with their counts, plus the statistic set. */
export interface EmfDistribution {
  readonly Values: number[];
  readonly Counts: number[];
  readonly Count: number;
  readonly Sum: number;
  readonly Min: number;
  readonly Max: number;
}

/** One EMF document: the `_aws` metadata, the dimension values and the metric's value. */
export interface EmfRecord {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly [{
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly [{ readonly Name: string; readonly Unit: MetricUnit }];
    }];
  };
  readonly [member: string]: unknown;
}

/**
 * Turns recorded datapoints into EMF documents, one per datapoint (and more when a distribution has
 * over {@link EMF_MAX_VALUES} distinct values). A cataloged metric is published under its dimension
 * sets whose dimensions the datapoint has (all of them, or the finest, as the catalog says); a metric
 * outside the catalog under the dimensions it carries. Single values are plain numbers; distributions are `{ Values, Counts, Count, Sum, Min, Max }`.
 */
export function toEmfRecords(data: readonly MetricDatum[], namespace: string): EmfRecord[] {
  const records: EmfRecord[] = [];
  for (const datum of data) {
    const dimensions = dimensionSetsOf(datum);
    const members = Object.fromEntries(Object.entries(datum.dimensions).filter(([, value]) => value !== undefined));
    for (const value of emfValues(datum)) {
      records.push({
        _aws: {
          Timestamp: datum.timestamp,
          CloudWatchMetrics: [{ Namespace: namespace, Dimensions: dimensions, Metrics: [{ Name: datum.name, Unit: datum.unit }] }],
        },
        ...members,
        [datum.name]: value,
      });
    }
  }
  return records;
}

/** The EMF documents as JSON lines (what CloudWatch Logs ingests), ending with a newline. */
export function toEmfLines(data: readonly MetricDatum[], namespace: string): string {
  return toEmfRecords(data, namespace).map((record) => `${JSON.stringify(record)}\n`).join('');
}

function dimensionSetsOf(datum: MetricDatum): string[][] {
  const present = new Set(Object.entries(datum.dimensions).filter(([, value]) => value !== undefined).map(([name]) => name));
  const spec = metricSpec(datum.name);
  if (spec) {
    const usable = spec.dimensionSets.filter((set) => set.every((name) => present.has(name)));
    const finest = usable.reduce<readonly string[] | undefined>((best, set) => (best === undefined || set.length > best.length ? set : best), undefined);
    if (spec.rollup === 'finest' && finest) return [[...finest]];
    if (usable.length > 0) return usable.map((set) => [...set]);
  }
  return [DIMENSION_NAMES.filter((name: DimensionName) => present.has(name))];
}

/** The value member(s) for one datum: a number, or distributions of at most 100 distinct values each. */
function emfValues(datum: MetricDatum): (number | EmfDistribution)[] {
  if (datum.values.length === 1 && datum.counts === undefined && datum.values[0] !== undefined) return [datum.values[0]];
  const merged = new Map<number, number>();
  datum.values.forEach((value, index) => {
    merged.set(value, (merged.get(value) ?? 0) + (datum.counts?.[index] ?? 1));
  });
  const pairs = [...merged.entries()].filter(([, count]) => count > 0).sort(([a], [b]) => a - b);
  const chunks: (number | EmfDistribution)[] = [];
  for (let start = 0; start < pairs.length; start += EMF_MAX_VALUES) {
    const chunk = pairs.slice(start, start + EMF_MAX_VALUES);
    const values = chunk.map(([value]) => value);
    const counts = chunk.map(([, count]) => count);
    chunks.push({
      Values: values,
      Counts: counts,
      Count: counts.reduce((sum, count) => sum + count, 0),
      Sum: chunk.reduce((sum, [value, count]) => sum + value * count, 0),
      Min: values[0] ?? 0,
      Max: values[values.length - 1] ?? 0,
    });
  }
  return chunks;
}
