import * as hdr from 'hdr-histogram-js';

/**
 * Latency histograms. Values are recorded in MICROseconds (integers) so sub-millisecond replies keep
 * their resolution; everything reported leaves this module in milliseconds.
 */

/** The highest latency a histogram tracks: one hour, in microseconds. Longer values are clamped. */
export const HIGHEST_TRACKABLE_US = 3_600_000_000;

/** A new empty latency histogram (3 significant digits, fixed range, so every worker's histograms merge). */
export function newLatencyHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records a latency given in milliseconds (fractional allowed). Negative values count as 0. */
export function recordMs(histogram: hdr.Histogram, ms: number): void {
  histogram.recordValue(toRecordedUs(ms));
}

/** The integer microseconds a latency in ms is recorded as: rounded, clamped to [0, one hour]. */
export function toRecordedUs(ms: number): number {
  return Math.min(HIGHEST_TRACKABLE_US, Math.max(0, Math.round(ms * 1000)));
}

/** Encodes a histogram as compressed base64 (HdrHistogram's V2 format): a few KB whatever the sample count. */
export function encodeHistogram(histogram: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** Decodes an encoded histogram into a histogram with the standard range, ready to merge. */
export function decodeHistogram(encoded: string): hdr.Histogram {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  const histogram = newLatencyHistogram();
  histogram.add(decoded);
  return histogram;
}

/** Adds every recorded value of `source` into `target` exactly (counts are summed, nothing is averaged). */
export function mergeInto(target: hdr.Histogram, source: hdr.Histogram): void {
  target.add(source);
}

/** The latency summary every report uses, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** Percentiles of a histogram, in milliseconds; all zeros when nothing was recorded. */
export function summarize(histogram: hdr.Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const at = (percentile: number): number => round3(histogram.getValueAtPercentile(percentile) / 1000);
  return {
    count: histogram.totalCount,
    min: round3(histogram.minNonZeroValue / 1000),
    mean: round3(histogram.mean / 1000),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: round3(histogram.maxValue / 1000),
  };
}

/**
 * The histogram as CloudWatch distribution values and counts in milliseconds: at most `maxValues`
 * distinct values (CloudWatch accepts 100 per datapoint; 150 in EMF), adjacent buckets merged so the
 * counts still sum to the total. CloudWatch then computes percentiles itself, correctly across workers.
 */
export function toDistribution(histogram: hdr.Histogram, maxValues = 100): { values: number[]; counts: number[] } {
  const buckets: Array<{ value: number; count: number }> = [];
  iterateRecorded(histogram, (value, count) => buckets.push({ value, count }));
  if (buckets.length === 0) return { values: [], counts: [] };
  const groupSize = Math.ceil(buckets.length / maxValues);
  const values: number[] = [];
  const counts: number[] = [];
  for (let start = 0; start < buckets.length; start += groupSize) {
    const group = buckets.slice(start, start + groupSize);
    const count = group.reduce((sum, bucket) => sum + bucket.count, 0);
    // The count-weighted mean keeps the distribution's mean right when buckets are merged.
    const weighted = group.reduce((sum, bucket) => sum + bucket.value * bucket.count, 0) / count;
    values.push(round3(weighted / 1000));
    counts.push(count);
  }
  return { values, counts };
}

/** Calls `visit(valueUs, count)` for every distinct recorded value bucket, lowest first. */
export function iterateRecorded(histogram: hdr.Histogram, visit: (valueUs: number, count: number) => void): void {
  // The Histogram interface has no iterator; the JS implementation (what newLatencyHistogram builds)
  // exposes recordedValuesIterator, which visits every non-empty bucket with its exact count.
  const iterator = (histogram as unknown as { recordedValuesIterator: RecordedIterator }).recordedValuesIterator;
  iterator.reset();
  while (iterator.hasNext()) {
    const step = iterator.next();
    visit(step.valueIteratedTo, step.countAtValueIteratedTo);
  }
}

interface RecordedIterator {
  reset(): void;
  hasNext(): boolean;
  next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
}
