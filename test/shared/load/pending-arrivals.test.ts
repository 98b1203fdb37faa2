import { SlotLimiter } from '../../../shared/load/limiter';
import { PendingArrivals } from '../../../shared/load/pending-arrivals';

function drain(pending: PendingArrivals): Array<[number, number]> {
  const taken: Array<[number, number]> = [];
  while (pending.shift((index, due) => taken.push([index, due])));
  return taken;
}

describe('PendingArrivals', () => {
  it('hands arrivals back oldest first with their intended starts, across growth and wrap-around', () => {
    // Prepare: take some out first so the ring wraps, then push past the initial capacity.
    const pending = new PendingArrivals();
    for (let index = 0; index < 600; index += 1) pending.push(index, index * 0.25);
    const first = drain(pending).slice(0, 3);
    for (let index = 600; index < 3000; index += 1) pending.push(index, index * 0.25);
    // Act
    const rest = drain(pending);
    // Assert
    expect(first).toEqual([[0, 0], [1, 0.25], [2, 0.5]]);
    expect(rest).toHaveLength(2400);
    expect(rest.every(([index, due], position) => index === 600 + position && due === index * 0.25)).toBe(true);
    expect(pending.size).toBe(0);
  });

  it('says nothing waits when empty and forgets everything on clear', () => {
    const pending = new PendingArrivals();
    expect(pending.shift(() => undefined)).toBe(false);
    pending.push(7, 1);
    pending.push(8, 2);
    expect(pending.clear()).toBe(2);
    expect([pending.size, pending.shift(() => undefined)]).toEqual([0, false]);
  });
});

describe('SlotLimiter.onFree', () => {
  it('is called when a released slot goes back to the free ones, not when a waiting request takes it', async () => {
    // Prepare: one slot, taken; a second request waits for it.
    const limiter = new SlotLimiter(1);
    const freed: number[] = [];
    limiter.onFree = () => freed.push(limiter.free);
    const first = limiter.tryAcquire();
    const second = limiter.acquire();
    // Act: the first release goes to the waiting request, the second back to the pool.
    first?.();
    const release = await second;
    const freedAfterHandOver = [...freed];
    release();
    // Assert
    expect(freedAfterHandOver).toEqual([]);
    expect(freed).toEqual([1]);
  });
});
