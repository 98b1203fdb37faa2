import type { CheckWindow } from './staging-log';

/** One point of a resource metric. */
export interface ResourcePoint {
  /** Epoch milliseconds. */
  readonly t: number;
  readonly v: number;
}

/**
 * A staging resource's own metric over the load window (database CPU and connections, Lambda duration,
 * errors, throttles and concurrency in AWS; the example bot's process CPU and memory locally), drawn
 * beside the latency curves so a slow turn can be traced to the resource that ran out.
 */
export interface ResourceSeries {
  /** What it is, for a person: `bot process CPU`, `RDS staging-db CPUUtilization`. */
  readonly label: string;
  readonly unit: string;
  readonly points: readonly ResourcePoint[];
}

/** Anything that can say what staging's resources did during a window. */
export interface ResourceSource {
  series(window: CheckWindow): Promise<readonly ResourceSeries[]>;
}

/** A source that returns series collected elsewhere (the demo's process sampler), cut to the window. */
export function staticResources(series: readonly ResourceSeries[]): ResourceSource {
  return {
    async series(window) {
      return series.map((one) => ({ ...one, points: one.points.filter((point) => point.t >= window.startMs && point.t <= window.endMs) }));
    },
  };
}
