import { summarize, type LatencySummary } from './histograms';
import type { LoadMeasurement } from './measurement';
import type { TimelinePoint } from './timeline';
import type { ThresholdResult } from './thresholds';

/** Latency figures in a report, ms. */
export type LatencyFigures = Pick<LatencySummary, 'p50' | 'p90' | 'p95' | 'p99' | 'max'> & { readonly mean: number; readonly count: number };

/** Figures of one slice of the traffic (overall, a conversation, a turn). */
export interface TrafficFigures {
  readonly requests: number;
  readonly errors: number;
  readonly errorRate: number;
  /** Response time: from intended start (coordinated omission corrected). */
  readonly latency: LatencyFigures;
  /** Service time: from actual send. */
  readonly serviceTime: LatencyFigures;
  /** Streamed replies: time to first token from the send. */
  readonly firstToken?: LatencyFigures;
}

/** `load.json` and `rehearsal load --json FILE`. */
export interface LoadReport extends TrafficFigures {
  readonly mode: 'conversations' | 'raw';
  readonly target: string;
  /** True when the thresholds held, the run was valid and was not aborted. */
  readonly passed: boolean;
  /** False when the generator saturated: the figures below cannot be trusted. */
  readonly valid: boolean;
  readonly invalidReasons: readonly string[];
  readonly aborted?: string;
  readonly durationMs: number;
  /** Requests (raw mode) or turns (conversation mode) per second. */
  readonly throughput: number;
  /**
   * Throughput over time: completed requests (turns) and errors per second of the run, `t` the second's
   * start (epoch ms). Absent when a merged worker result carried no timeline.
   */
  readonly timeline?: readonly TimelinePoint[];
  readonly workers: number;
  readonly arrivals: LoadMeasurement['arrivals'];
  readonly sessions: LoadMeasurement['sessions'];
  readonly errorKinds: Readonly<Record<string, number>>;
  readonly eventLoopMaxLagMs: number;
  readonly thresholds: readonly ThresholdResult[];
  readonly conversations: ReadonlyArray<TrafficFigures & { readonly name: string; readonly turns: ReadonlyArray<TrafficFigures & { readonly turn: number }> }>;
}

/** Builds the report of a finished (possibly merged) measurement. */
export function toLoadReport(
  measurement: LoadMeasurement,
  meta: { mode: 'conversations' | 'raw'; target: string; workers: number; thresholds: readonly ThresholdResult[] },
): LoadReport {
  const overall = figuresOf(measurement, () => true);
  const names = [...new Set([...measurement.series.values()].map((series) => series.conversation))].sort();
  const conversations = names.map((name) => ({
    name,
    ...figuresOf(measurement, (series) => series.conversation === name),
    turns: [...measurement.series.values()].filter((series) => series.conversation === name).sort((a, b) => a.turn - b.turn)
      .map((series) => ({ turn: series.turn, ...figuresOf(measurement, (candidate) => candidate === series) })),
  }));
  const valid = measurement.invalid.length === 0;
  const thresholdsHeld = meta.thresholds.every((result) => result.passed);
  const seconds = measurement.durationMs / 1000;
  return {
    mode: meta.mode, target: meta.target, passed: valid && thresholdsHeld && measurement.aborted === undefined, valid,
    invalidReasons: measurement.invalid, ...(measurement.aborted === undefined ? {} : { aborted: measurement.aborted }),
    durationMs: Math.round(measurement.durationMs), throughput: seconds > 0 ? Math.round((overall.requests / seconds) * 10) / 10 : 0,
    ...(measurement.timelineComplete ? { timeline: measurement.timeline.points(measurement.startedAt) } : {}),
    workers: meta.workers, arrivals: { ...measurement.arrivals }, sessions: { ...measurement.sessions }, errorKinds: { ...measurement.errorKinds },
    eventLoopMaxLagMs: measurement.maxLagMs, thresholds: meta.thresholds, ...overall, conversations,
  };
}

function figuresOf(measurement: LoadMeasurement, include: Parameters<LoadMeasurement['combined']>[0]): TrafficFigures {
  const combined = measurement.combined(include);
  return {
    requests: combined.requests, errors: combined.errors,
    errorRate: combined.requests === 0 ? 0 : Math.round((combined.errors / combined.requests) * 1e6) / 1e6,
    latency: latencyFigures(summarize(combined.response)), serviceTime: latencyFigures(summarize(combined.service)),
    ...(combined.firstToken.totalCount > 0 ? { firstToken: latencyFigures(summarize(combined.firstToken)) } : {}),
  };
}

function latencyFigures(summary: LatencySummary): LatencyFigures {
  return { count: summary.count, mean: summary.mean, p50: summary.p50, p90: summary.p90, p95: summary.p95, p99: summary.p99, max: summary.max };
}
