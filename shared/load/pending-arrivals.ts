/**
 * Arrivals that are due but found every connection slot taken, kept as two numbers each (the global
 * arrival index and the intended start) until a slot frees, first in first out.
 *
 * Why not start them and let their first request wait for a slot, as the limiter lets later turns
 * wait: when the target falls behind, thousands of arrivals wait at once. A started conversation
 * holds its session state, its template variables, and a chain of promises and closures, about a
 * kilobyte that V8's young-generation collector copies at every scavenge while it waits (measured on
 * the bench: scavenges of 20-40 ms once a backlog built up, against 2-5 ms without one), so a
 * generator that fell behind spent ever more of its CPU collecting garbage, and fell further behind.
 * Here a waiting arrival costs 16 bytes in typed arrays outside the scavenged space. Its intended
 * start is kept, so its response time still counts the whole wait (coordinated omission stays
 * corrected).
 */
export class PendingArrivals {
  #indices = new Float64Array(1024);
  #dues = new Float64Array(1024);
  #head = 0;
  #size = 0;

  /** Arrivals waiting. */
  get size(): number {
    return this.#size;
  }

  /** Adds an arrival at the end. */
  push(index: number, due: number): void {
    if (this.#size === this.#indices.length) this.#grow();
    const at = (this.#head + this.#size) % this.#indices.length;
    this.#indices[at] = index;
    this.#dues[at] = due;
    this.#size += 1;
  }

  /** Removes the oldest arrival and hands it to `take`; false when none waits. */
  shift(take: (index: number, due: number) => void): boolean {
    if (this.#size === 0) return false;
    const index = this.#indices[this.#head] as number;
    const due = this.#dues[this.#head] as number;
    this.#head = (this.#head + 1) % this.#indices.length;
    this.#size -= 1;
    take(index, due);
    return true;
  }

  /** Forgets every waiting arrival and says how many there were. */
  clear(): number {
    const removed = this.#size;
    this.#head = 0;
    this.#size = 0;
    return removed;
  }

  #grow(): void {
    const capacity = this.#indices.length * 2;
    const indices = new Float64Array(capacity);
    const dues = new Float64Array(capacity);
    for (let offset = 0; offset < this.#size; offset += 1) {
      const from = (this.#head + offset) % this.#indices.length;
      indices[offset] = this.#indices[from] as number;
      dues[offset] = this.#dues[from] as number;
    }
    this.#indices = indices;
    this.#dues = dues;
    this.#head = 0;
  }
}
