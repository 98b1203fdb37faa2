import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Watches the generator's own event loop. When the loop is late by more than the limit, sends went out
 * late and timings include the generator's own queueing: the run is then marked invalid rather than
 * reported with wrong numbers.
 */
export class LagMonitor {
  readonly #histogram: IntervalHistogram;

  constructor(resolutionMs = 10) {
    this.#histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#histogram.enable();
  }

  /** Stops watching and returns the worst and the 99th percentile delay, in ms. */
  stop(): { maxMs: number; p99Ms: number } {
    this.#histogram.disable();
    const max = this.#histogram.max;
    // An empty histogram reports a huge max; no samples means no lag seen.
    if (this.#histogram.count === 0 || !Number.isFinite(max) || max > 1e15) return { maxMs: 0, p99Ms: 0 };
    return { maxMs: max / 1e6, p99Ms: this.#histogram.percentile(99) / 1e6 };
  }
}
