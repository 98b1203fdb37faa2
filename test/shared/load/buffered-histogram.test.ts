import type { Histogram, JsHistogram } from 'hdr-histogram-js';
import { BufferedHistogram, bucketIndexOf } from '../../../shared/load/buffered-histogram';
import { encodeHistogram, HIGHEST_TRACKABLE_US, newLatencyHistogram, recordMs, summarize } from '../../../shared/load/histograms';
import { LoadMeasurement } from '../../../shared/load/measurement';
import { seededRandom } from '../../support/seeded-random';

/** Everything a report or a merge reads of a histogram, plus its exact encoding. */
function state(histogram: Histogram) {
  return {
    encoded: encodeHistogram(histogram), summary: summarize(histogram), total: histogram.totalCount,
    max: histogram.maxValue, minNonZero: histogram.minNonZeroValue, p999: histogram.getValueAtPercentile(99.9),
  };
}

/** Records the same latencies (ms) directly and buffered, reading the buffered one at the given points. */
function recordBoth(values: readonly number[], readEvery?: number) {
  const direct = newLatencyHistogram();
  const buffered = new BufferedHistogram();
  values.forEach((ms, index) => {
    recordMs(direct, ms);
    buffered.recordMs(ms);
    if (readEvery !== undefined && index % readEvery === readEvery - 1) expect(buffered.histogram.totalCount).toBe(index + 1);
  });
  return { direct, buffered };
}

const layout = newLatencyHistogram() as unknown as JsHistogram;

describe('bucketIndexOf', () => {
  it('gives the counts-array index HdrHistogram itself computes, for every value up to 2^18 and at every power of two', () => {
    // Prepare: every small value, and each power of two with its neighbours up to the largest tracked value.
    const values: number[] = Array.from({ length: 1 << 18 }, (_unused, value) => value);
    for (let power = 1; power <= 2 ** 32; power *= 2) values.push(power - 2, power - 1, power, power + 1);
    const random = seededRandom(7);
    for (let index = 0; index < 100_000; index += 1) values.push(Math.floor(Math.exp(random() * Math.log(HIGHEST_TRACKABLE_US))));
    const tracked = values.filter((value) => value >= 0 && value <= HIGHEST_TRACKABLE_US);
    // Act
    const mismatches = tracked.filter((value) => bucketIndexOf(value) !== layout.countsArrayIndex(value));
    // Assert
    expect(tracked.length).toBeGreaterThan(360_000);
    expect(mismatches).toEqual([]);
  });

  it('maps the lowest value of every bucket it produces back to that bucket', () => {
    // Prepare: every index a tracked value can have.
    const indexes = new Set<number>();
    for (let value = 0; value < 1 << 16; value += 1) indexes.add(bucketIndexOf(value));
    for (let value = 1 << 16; value <= HIGHEST_TRACKABLE_US; value = Math.ceil(value * 1.0003)) indexes.add(bucketIndexOf(value));
    // Act
    const wrong = [...indexes].filter((index) => bucketIndexOf(layout.valueFromIndex(index)) !== index);
    // Assert
    expect(indexes.size).toBeGreaterThan(20_000);
    expect(wrong).toEqual([]);
  });
});

describe('BufferedHistogram', () => {
  it('ends with exactly the histogram one recordValue per value gives, for clustered, spread and stalled latencies', () => {
    // Prepare: loopback-like sub-ms replies, a log-normal spread with a stalled tail, zeros, negatives and
    // values beyond the tracked hour (both clamped), fractions that round either way.
    const random = seededRandom(42);
    const clustered = Array.from({ length: 20_000 }, () => 0.08 + random() * 0.4);
    const spread = Array.from({ length: 20_000 }, () => Math.exp(3 + 1.5 * (random() - 0.5)) + (random() < 0.02 ? 900 * random() : 0));
    const edges = [0, 0, -5, 0.0004, 0.0005, 0.0015, 2.0475, 2.0485, 4_000_000, 3_600_000, 1e-9, 65.5355];
    for (const values of [clustered, spread, edges, [...clustered, ...spread, ...edges]]) {
      // Act
      const { direct, buffered } = recordBoth(values);
      // Assert
      expect(buffered.pending).toBe(values.length);
      expect(state(buffered.histogram)).toEqual(state(direct));
      expect(buffered.pending).toBe(0);
    }
  });

  it('stays exact when read between batches, each fold adding to the last', () => {
    // Prepare
    const random = seededRandom(3);
    const values = Array.from({ length: 30_000 }, (_unused, index) => (index % 7 === 0 ? 300 * random() : 0.2 + random()));
    // Act: reads after every 997 values fold partial batches in.
    const { direct, buffered } = recordBoth(values, 997);
    // Assert
    expect(state(buffered.histogram)).toEqual(state(direct));
  });

  it('keeps the minimum exact when the smallest value shares its bucket with smaller-looking neighbours', () => {
    // Prepare: 2049 us and 2049 us share the bucket [2048, 2049]; the lowest value of it was never recorded.
    const { direct, buffered } = recordBoth([2.049, 2.049, 5, 9.001]);
    // Act
    const folded = buffered.histogram;
    // Assert
    expect([folded.minNonZeroValue, folded.maxValue]).toEqual([2049, 9001]);
    expect(state(folded)).toEqual(state(direct));
  });

  it('folds a bucket in before its 16-bit pending counter would overflow', () => {
    // Prepare: 200k values in one bucket, with a lower and a higher value among them.
    const values = [...Array.from({ length: 200_000 }, (_unused, index) => (index % 2 === 0 ? 100.1 : 100.15)), 100.05, 100.2];
    // Act
    const { direct, buffered } = recordBoth(values);
    // Assert
    expect(buffered.histogram.totalCount).toBe(200_002);
    expect(state(buffered.histogram)).toEqual(state(direct));
  });
});

describe('LoadMeasurement recording', () => {
  it('gives the same per-series histograms, counts, encodings and merged percentiles as direct recording', () => {
    // Prepare: two conversations of two turns, a few errors, a streamed turn with time to first token.
    const random = seededRandom(11);
    const measurement = new LoadMeasurement();
    const direct = new Map<string, { response: Histogram; service: Histogram; firstToken: Histogram }>();
    const origin = 1000;
    measurement.markStart(origin);
    // Act
    for (let index = 0; index < 12_000; index += 1) {
      const conversation = index % 3 === 0 ? 'order' : 'greet';
      const turn = 1 + (index % 2);
      const service = 0.1 + random() * 3;
      const response = service + (index % 50 === 0 ? 400 * random() : 0);
      const firstToken = turn === 2 ? service / 2 : undefined;
      measurement.record(conversation, turn, response, service, index % 97 === 0 ? 'http' : undefined, firstToken, origin + index);
      const key = `${conversation} ${turn}`;
      const histograms = direct.get(key) ?? { response: newLatencyHistogram(), service: newLatencyHistogram(), firstToken: newLatencyHistogram() };
      direct.set(key, histograms);
      recordMs(histograms.response, response);
      recordMs(histograms.service, service);
      if (firstToken !== undefined) recordMs(histograms.firstToken, firstToken);
    }
    // Assert
    const result = measurement.toResult();
    expect(result.series).toHaveLength(4);
    for (const series of result.series) {
      const expected = direct.get(`${series.conversation} ${series.turn}`);
      expect(series.response).toBe(encodeHistogram(expected?.response ?? newLatencyHistogram()));
      expect(series.service).toBe(encodeHistogram(expected?.service ?? newLatencyHistogram()));
      expect(series.firstToken).toBe(series.turn === 2 ? encodeHistogram(expected?.firstToken ?? newLatencyHistogram()) : undefined);
    }
    const all = newLatencyHistogram();
    for (const histograms of direct.values()) all.add(histograms.response);
    expect(summarize(measurement.combined().response)).toEqual(summarize(all));
    expect([measurement.requests, measurement.errors, measurement.errorKinds.http]).toEqual([12_000, 124, 124]);
  });
});
