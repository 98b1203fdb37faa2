import { arrivalOffsets, countArrivals } from '../../../shared/load/arrivals';

describe('arrivalOffsets', () => {
  it('spaces a constant rate evenly: 10/s for 2 s is 20 arrivals 100 ms apart', () => {
    const arrivals = [...arrivalOffsets([{ durationMs: 2000, arrivalRate: 10 }])];
    expect(arrivals).toHaveLength(20);
    expect(arrivals.map((arrival) => Math.round(arrival.atMs))).toEqual(Array.from({ length: 20 }, (_unused, index) => index * 100));
    expect(countArrivals([{ durationMs: 2000, arrivalRate: 10 }])).toBe(20);
  });

  it('ramps linearly: 10/s to 30/s over 10 s gives 200 arrivals, denser at the end', () => {
    const arrivals = [...arrivalOffsets([{ durationMs: 10_000, arrivalRate: 10, rampTo: 30 }])];
    expect(arrivals).toHaveLength(200);
    const firstGap = (arrivals[1]?.atMs ?? 0) - (arrivals[0]?.atMs ?? 0);
    const lastGap = (arrivals[199]?.atMs ?? 0) - (arrivals[198]?.atMs ?? 0);
    // The gap is the inverse of the rate where it falls: just under 100 ms at first, just over 33.3 ms at the end.
    expect(firstGap).toBeGreaterThan(98);
    expect(firstGap).toBeLessThan(100);
    expect(lastGap).toBeGreaterThan(1000 / 30);
    expect(lastGap).toBeLessThan(34);
    expect(arrivals.every((arrival, index) => index === 0 || arrival.atMs > (arrivals[index - 1]?.atMs ?? 0))).toBe(true);
    expect(arrivals.every((arrival) => arrival.atMs < 10_000)).toBe(true);
  });

  it('chains phases, numbering arrivals globally', () => {
    const arrivals = [...arrivalOffsets([{ durationMs: 1000, arrivalRate: 2 }, { durationMs: 1000, arrivalRate: 4 }])];
    expect(arrivals).toEqual([
      { index: 0, atMs: 0 }, { index: 1, atMs: 500 },
      { index: 2, atMs: 1000 }, { index: 3, atMs: 1250 }, { index: 4, atMs: 1500 }, { index: 5, atMs: 1750 },
    ]);
  });
});
