import { loadReportFromResults, mergeLoadResults } from '../../../shared/load/distributed';
import { LoadMeasurement } from '../../../shared/load/measurement';
import { loadWorkerResultSchema } from '../../../shared/load/result-schema';
import { Timeline } from '../../../shared/load/timeline';

/** A worker measurement whose schedule started at `origin` (performance clock) and `startedAt` (epoch ms). */
function worker(origin: number, startedAt: number, completions: ReadonlyArray<[atMs: number, failed: boolean]>): LoadMeasurement {
  const measurement = new LoadMeasurement();
  measurement.markStart(origin);
  measurement.startedAt = startedAt;
  for (const [atMs, failed] of completions) measurement.record('order', 1, 10, 5, failed ? 'http' : undefined, undefined, origin + atMs);
  return measurement;
}

describe('Timeline', () => {
  it('counts each completion in the second it ended, from the origin, with its errors beside it', () => {
    // Prepare
    const timeline = new Timeline(5000);
    // Act: completions at 0, 999 and 1000 ms, a failure at 2500 ms, and one stamped before the origin.
    for (const [at, failed] of [[5000, false], [5999, false], [6000, false], [7500, true], [4990, false]] as const) timeline.count(at, failed);
    // Assert
    expect(timeline.encode()).toEqual({ requests: [3, 1, 1], errors: [0, 0, 1] });
    expect(timeline.points(1_700_000_000_000)).toEqual([
      { t: 1_700_000_000_000, requests: 3, errors: 0 },
      { t: 1_700_000_001_000, requests: 1, errors: 0 },
      { t: 1_700_000_002_000, requests: 1, errors: 1 },
    ]);
  });
});

describe('merging worker timelines', () => {
  it('adds two workers\' timelines bucket by bucket, so the sums are exact and keyed to the earliest start', () => {
    // Prepare: two workers on different clocks; each counts from its own schedule start.
    const a = worker(100, 1_700_000_000_000, [[10, false], [900, true], [1200, false], [3100, false]]);
    const b = worker(9_000, 1_700_000_000_040, [[50, false], [1999, true], [2000, true]]);
    // Act: through JSON, as results travel between threads, Lambdas and S3.
    const results = [a.toResult(0, 2), b.toResult(1, 2)].map((result) => JSON.parse(JSON.stringify(result)) as unknown);
    const merged = mergeLoadResults(results);
    const report = loadReportFromResults(results, { target: 'http://127.0.0.1:1/', mode: 'raw', checks: [] });
    // Assert
    expect(a.toResult().timeline).toEqual({ requests: [2, 1, 0, 1], errors: [1, 0, 0, 0] });
    expect(b.toResult().timeline).toEqual({ requests: [1, 1, 1], errors: [0, 1, 1] });
    expect(merged.timeline).toEqual({ requests: [3, 2, 1, 1], errors: [1, 1, 1, 0] });
    expect(report.timeline).toEqual([
      { t: 1_700_000_000_000, requests: 3, errors: 1 },
      { t: 1_700_000_001_000, requests: 2, errors: 1 },
      { t: 1_700_000_002_000, requests: 1, errors: 1 },
      { t: 1_700_000_003_000, requests: 1, errors: 0 },
    ]);
    expect(report.timeline?.reduce((sum, point) => sum + point.requests, 0)).toBe(report.requests);
    expect(report.timeline?.reduce((sum, point) => sum + point.errors, 0)).toBe(report.errors);
  });

  it('leaves the timeline out rather than showing short sums when a worker sent none', () => {
    // Prepare: one result as an older worker would send it, without a timeline.
    const { timeline: _dropped, ...old } = worker(0, 1_700_000_000_000, [[10, false]]).toResult(0, 2);
    const current = worker(0, 1_700_000_000_000, [[20, false]]).toResult(1, 2);
    // Act
    const merged = mergeLoadResults([old, current]);
    const report = loadReportFromResults([old, current], { target: 'http://127.0.0.1:1/', mode: 'raw', checks: [] });
    // Assert
    expect(merged.timeline).toBeUndefined();
    expect(report.timeline).toBeUndefined();
    expect(report.requests).toBe(2);
  });

  it('rejects a result whose timeline arrays differ in length, naming the field', () => {
    const result = { ...worker(0, 0, [[10, false]]).toResult(), timeline: { requests: [1, 2], errors: [0] } };

    const parsed = loadWorkerResultSchema.safeParse(result);

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([['timeline', 'requests and errors must have one entry per second each']]);
  });
});
