/**
 * A counting semaphore for connection slots. The engine never lets undici queue a request: it waits
 * here instead, so the moment a slot is granted is the real send time (service time starts there).
 */
export class SlotLimiter {
  #free: number;
  readonly #waiters: Array<(release: () => void) => void> = [];

  constructor(readonly slots: number) {
    this.#free = slots;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves with a release function once a slot is free. */
  acquire(): Promise<() => void> {
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next(this.#releaser());
      else this.#free += 1;
    };
  }
}
