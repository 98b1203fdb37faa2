import { histogram, mergeDistribution, percentile } from '../../../shared/report/distribution';

const datum = (values: number[], counts?: number[]) => ({ name: 'L', unit: 'Milliseconds' as const, values, ...(counts ? { counts } : {}), dimensions: {}, timestamp: 0 });

describe('distribution', () => {
  it('merges datapoints and reads percentiles by nearest rank', () => {
    const merged = mergeDistribution([datum([10, 20], [90, 9]), datum([1000])]);

    expect(merged).toEqual({ values: [10, 20, 1000], counts: [90, 9, 1], total: 100 });
    expect(percentile(merged, 50)).toBe(10);
    expect(percentile(merged, 90)).toBe(10);
    expect(percentile(merged, 95)).toBe(20);
    expect(percentile(merged, 99)).toBe(20);
    expect(percentile(merged, 100)).toBe(1000);
    expect(percentile(mergeDistribution([]), 50)).toBeUndefined();
  });

  it('buckets every count into equal-width bins', () => {
    const bins = histogram(mergeDistribution([datum([0, 5, 10], [1, 2, 3])]), 2);

    expect(bins).toEqual([{ from: 0, to: 5, count: 1 }, { from: 5, to: 10, count: 5 }]);
  });
});
