import { decodeHistogram, summarize } from '../../../shared/load/histograms';
import { loadSliceSchema, mergeLoadResults, planLoadSlices } from '../../../shared/load/distributed';
import { LoadMeasurement } from '../../../shared/load/measurement';
import { arrivalOffsets } from '../../../shared/load/arrivals';
import { latencies } from '../../support/latencies';

describe('planLoadSlices', () => {
  it('gives each worker every N-th arrival of the same schedule and a share of the connections', () => {
    const profile = { phases: [{ durationMs: 1000, arrivalRate: 30, rampTo: 90 }], connections: 10 };
    const slices = planLoadSlices(profile, 4);
    expect(slices.map((slice) => [slice.workerIndex, slice.workerCount, slice.connections])).toEqual([[0, 4, 3], [1, 4, 3], [2, 4, 3], [3, 4, 3]]);
    // Every slice is plain JSON that survives Step Functions and validates on the other side.
    for (const slice of slices) expect(loadSliceSchema.parse(JSON.parse(JSON.stringify(slice)))).toEqual(slice);
    const all = [...arrivalOffsets(profile.phases)].map((arrival) => arrival.index);
    const owned = slices.flatMap((slice) => all.filter((index) => index % slice.workerCount === slice.workerIndex));
    expect(owned.sort((a, b) => a - b)).toEqual(all);
  });

  it('rejects a worker count that is not a positive integer', () => {
    expect(() => planLoadSlices({ phases: [{ durationMs: 1000, arrivalRate: 1 }] }, 0)).toThrow(RangeError);
  });
});

describe('mergeLoadResults', () => {
  it('merges 8 workers into exactly the histogram of all samples (same counts, same percentiles)', () => {
    // Prepare: one measurement with every sample, and 8 with a share each.
    const samples = latencies(8000, 7);
    const single = new LoadMeasurement();
    const workers = Array.from({ length: 8 }, () => new LoadMeasurement());
    samples.forEach((ms, index) => {
      single.record('order', 1 + (index % 2), ms, ms / 2);
      workers[index % 8]?.record('order', 1 + (index % 2), ms, ms / 2);
    });
    // Act: through JSON, as the results travel.
    const merged = mergeLoadResults(workers.map((worker, index) => JSON.parse(JSON.stringify(worker.toResult(index, 8))) as unknown));
    // Assert
    const expected = single.toResult();
    expect(merged.series.map((series) => [series.conversation, series.turn, series.requests])).toEqual([['order', 1, 4000], ['order', 2, 4000]]);
    for (const [index, series] of merged.series.entries()) {
      const reference = expected.series[index];
      expect(summarize(decodeHistogram(series.response))).toEqual(summarize(decodeHistogram(reference?.response ?? '')));
      expect(summarize(decodeHistogram(series.service))).toEqual(summarize(decodeHistogram(reference?.service ?? '')));
    }
    expect(merged.workerCount).toBe(8);
  });

  it('sums counters and unites invalid reasons', () => {
    const a = new LoadMeasurement();
    a.arrivals.scheduled = 10;
    a.arrivals.late = 2;
    a.invalid.push('generator saturated');
    a.record('raw', 1, 3, 3, 'http');
    const b = new LoadMeasurement();
    b.arrivals.scheduled = 5;
    b.arrivals.dropped = 1;
    b.record('raw', 1, 4, 4);
    const merged = mergeLoadResults([a.toResult(0, 2), b.toResult(1, 2)]);
    expect(merged.arrivals).toEqual({ scheduled: 15, launched: 0, late: 2, dropped: 1 });
    expect(merged.errorKinds).toEqual({ http: 1 });
    expect(merged.invalid).toEqual(['generator saturated']);
    expect(merged.series[0]).toMatchObject({ requests: 2, errors: 1 });
  });

  it('rejects a malformed result naming the field', () => {
    expect(() => mergeLoadResults([{ workerIndex: 0 }])).toThrow(/workerCount/);
  });
});
