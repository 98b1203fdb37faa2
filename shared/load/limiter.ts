/**
 * A counting semaphore for connection slots. The engine never lets undici queue a request: it waits
 * here instead, so the moment a slot is granted is the real send time (service time starts there).
 */
export class SlotLimiter {
  #free: number;
  readonly #waiters: Array<(release: () => void) => void> = [];
  /**
   * Called whenever a released slot goes back to the free ones (no request was waiting for it): the
   * engine starts an arrival it kept waiting outside the limiter (see ./pending-arrivals).
   */
  onFree: (() => void) | undefined;

  constructor(readonly slots: number) {
    this.#free = slots;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Slots free now. */
  get free(): number {
    return this.#free;
  }

  /** Resolves with a release function once a slot is free. */
  acquire(): Promise<() => void> {
    const free = this.tryAcquire();
    return free ? Promise.resolve(free) : new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * The release function of a free slot at once, without a promise, or a promise of one when every
   * slot is taken. Under load most sends find a free slot: this saves a turn of the microtask queue.
   */
  acquireNow(): (() => void) | Promise<() => void> {
    return this.tryAcquire() ?? new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Takes a free slot and returns its release function, or undefined when every slot is taken (waiters come first). */
  tryAcquire(): (() => void) | undefined {
    if (this.#free <= 0) return undefined;
    this.#free -= 1;
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next(this.#releaser());
      else {
        this.#free += 1;
        this.onFree?.();
      }
    };
  }
}
