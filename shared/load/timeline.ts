import { performance } from 'node:perf_hooks';
import { z } from 'zod';

/** Width of one timeline bucket, ms. */
export const TIMELINE_INTERVAL_MS = 1000;

/**
 * A worker's timeline as it travels in its result: completed requests (raw mode) or turns
 * (conversation mode) and how many of them failed, per second since the worker started its schedule.
 * Index k counts completions in [k s, k+1 s). Both arrays have the same length.
 */
export const encodedTimelineSchema = z.object({
  requests: z.array(z.number().int().min(0)),
  errors: z.array(z.number().int().min(0)),
}).refine((timeline) => timeline.requests.length === timeline.errors.length, { message: 'requests and errors must have one entry per second each' });
export type EncodedTimeline = z.infer<typeof encodedTimelineSchema>;

/** One second of the timeline as reports show it: `t` is the bucket's start, epoch ms. */
export interface TimelinePoint {
  readonly t: number;
  readonly requests: number;
  readonly errors: number;
}

/**
 * Per-second counters of completions and errors, bucketed by completion time relative to the start
 * of the arrival schedule. Every worker runs the same schedule from its own start, so second k means
 * the same part of the load profile in every worker: timelines merge exactly by adding bucket k to
 * bucket k. Recording is two array writes (the arrays grow once per new second), no allocation.
 */
export class Timeline {
  readonly requests: number[] = [];
  readonly errors: number[] = [];

  /** @param origin `performance.now()` at the schedule's start; seconds are counted from it. */
  constructor(public origin: number = performance.now()) {}

  /** Counts one completion at `endAt` (`performance.now()`); earlier than the origin counts in second 0. */
  count(endAt: number, failed: boolean): void {
    const second = endAt > this.origin ? Math.floor((endAt - this.origin) / TIMELINE_INTERVAL_MS) : 0;
    while (this.requests.length <= second) {
      this.requests.push(0);
      this.errors.push(0);
    }
    this.requests[second] = (this.requests[second] ?? 0) + 1;
    if (failed) this.errors[second] = (this.errors[second] ?? 0) + 1;
  }

  /** Adds another worker's timeline bucket by bucket. */
  add(other: EncodedTimeline): void {
    other.requests.forEach((count, second) => {
      while (this.requests.length <= second) {
        this.requests.push(0);
        this.errors.push(0);
      }
      this.requests[second] = (this.requests[second] ?? 0) + count;
      this.errors[second] = (this.errors[second] ?? 0) + (other.errors[second] ?? 0);
    });
  }

  /** The JSON form (copies). */
  encode(): EncodedTimeline {
    return { requests: [...this.requests], errors: [...this.errors] };
  }

  /** The points of a report, with second k placed at `startedAt + k s` (epoch ms). */
  points(startedAt: number): TimelinePoint[] {
    return this.requests.map((requests, second) => ({ t: startedAt + second * TIMELINE_INTERVAL_MS, requests, errors: this.errors[second] ?? 0 }));
  }
}
