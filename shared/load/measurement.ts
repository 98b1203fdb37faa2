import { performance } from 'node:perf_hooks';
import type { Histogram } from 'hdr-histogram-js';
import { BufferedHistogram } from './buffered-histogram';
import { decodeHistogram, encodeHistogram, mergeInto, newLatencyHistogram } from './histograms';
import type { LoadWorkerResult } from './result-schema';
import { Timeline } from './timeline';
import type { WarmUpFigures } from './warm-up';

/**
 * Latencies of one (conversation, turn): response time from intended start, and service time from send.
 * The histograms hold every value recorded so far (buffered values are folded in when they are read).
 */
export interface Series {
  readonly conversation: string;
  /** 1-based turn number; raw mode uses conversation `raw`, turn 1. */
  readonly turn: number;
  /** Response time: reply end minus intended start (coordinated omission corrected). */
  readonly response: Histogram;
  /** Service time: reply end minus actual send. */
  readonly service: Histogram;
  /** Time to first token of streamed replies, from the actual send. */
  readonly firstToken: Histogram;
  requests: number;
  errors: number;
}

/** Arrival bookkeeping of the open model. */
export interface ArrivalCounts {
  scheduled: number;
  launched: number;
  /** Launched later than the lateness tolerance after their intended time. */
  late: number;
  /** Never launched: the pending queue was full or the run was aborted. */
  dropped: number;
}

/** A series that records through {@link BufferedHistogram}s: one typed-array write per value. */
class RecordingSeries implements Series {
  requests = 0;
  errors = 0;
  readonly #response = new BufferedHistogram();
  readonly #service = new BufferedHistogram();
  readonly #firstToken = new BufferedHistogram();

  constructor(
    readonly conversation: string,
    readonly turn: number,
  ) {}

  get response(): Histogram {
    return this.#response.histogram;
  }

  get service(): Histogram {
    return this.#service.histogram;
  }

  get firstToken(): Histogram {
    return this.#firstToken.histogram;
  }

  record(responseMs: number, serviceMs: number, firstTokenMs: number | undefined): void {
    this.#response.recordMs(responseMs);
    this.#service.recordMs(serviceMs);
    if (firstTokenMs !== undefined) this.#firstToken.recordMs(firstTokenMs);
  }
}

/**
 * Everything one load run (or one worker) measured, mutable while the run goes on. Encodes to a
 * {@link LoadWorkerResult} and merges exactly: histogram counts add up, nothing is averaged.
 */
export class LoadMeasurement {
  readonly series = new Map<string, Series>();
  /** The same series by conversation, then turn: no key string built per recorded request. */
  readonly #byConversation = new Map<string, Array<RecordingSeries | undefined>>();
  readonly arrivals: ArrivalCounts = { scheduled: 0, launched: 0, late: 0, dropped: 0 };
  readonly sessions = { started: 0, passed: 0, failed: 0, errored: 0 };
  readonly errorKinds: Record<string, number> = {};
  readonly invalid: string[] = [];
  /** Completions and errors per second of the schedule. */
  readonly timeline = new Timeline();
  /** False once a merged worker result came without a timeline: the sums would then be short. */
  timelineComplete = true;
  assertionFailures = 0;
  maxLagMs = 0;
  startedAt = Date.now();
  durationMs = 0;
  aborted: string | undefined;
  /** What the generator did to warm up before its schedule (this process only; not part of the result JSON). */
  warmUp: WarmUpFigures | undefined;

  /** The series of a (conversation, turn), created on first use. */
  seriesFor(conversation: string, turn: number): Series {
    return this.#recordingSeries(conversation, turn);
  }

  #recordingSeries(conversation: string, turn: number): RecordingSeries {
    let turns = this.#byConversation.get(conversation);
    if (!turns) {
      turns = [];
      this.#byConversation.set(conversation, turns);
    }
    let found = turns[turn];
    if (!found) {
      found = new RecordingSeries(conversation, turn);
      turns[turn] = found;
      this.series.set(`${conversation}\u0000${turn}`, found);
    }
    return found;
  }

  /** Marks the start of the schedule (`performance.now()`): the timeline counts seconds from here. */
  markStart(start: number): void {
    this.startedAt = Date.now();
    this.timeline.origin = start;
  }

  /**
   * Records one request's timings (ms) into its series and counts it in the timeline at `endAt`
   * (`performance.now()` when it completed; now by default); `errorKind` marks it failed.
   */
  record(conversation: string, turn: number, responseMs: number, serviceMs: number, errorKind?: string, firstTokenMs?: number, endAt?: number): void {
    const series = this.#recordingSeries(conversation, turn);
    series.requests += 1;
    this.timeline.count(endAt ?? performance.now(), errorKind !== undefined);
    series.record(responseMs, serviceMs, firstTokenMs);
    if (errorKind !== undefined) {
      series.errors += 1;
      this.errorKinds[errorKind] = (this.errorKinds[errorKind] ?? 0) + 1;
    }
  }

  get requests(): number {
    let total = 0;
    for (const series of this.series.values()) total += series.requests;
    return total;
  }

  get errors(): number {
    let total = 0;
    for (const series of this.series.values()) total += series.errors;
    return total;
  }

  /** Histograms of the series that `include` selects, merged into new ones. */
  combined(include: (series: Series) => boolean = () => true): { response: Histogram; service: Histogram; firstToken: Histogram; requests: number; errors: number } {
    const result = { response: newLatencyHistogram(), service: newLatencyHistogram(), firstToken: newLatencyHistogram(), requests: 0, errors: 0 };
    for (const series of this.series.values()) {
      if (!include(series)) continue;
      mergeInto(result.response, series.response);
      mergeInto(result.service, series.service);
      mergeInto(result.firstToken, series.firstToken);
      result.requests += series.requests;
      result.errors += series.errors;
    }
    return result;
  }

  /** The JSON form that travels between workers and the merger. */
  toResult(workerIndex = 0, workerCount = 1): LoadWorkerResult {
    return {
      workerIndex, workerCount, startedAt: this.startedAt, durationMs: this.durationMs,
      arrivals: { ...this.arrivals }, sessions: { ...this.sessions }, errorKinds: { ...this.errorKinds },
      assertionFailures: this.assertionFailures, maxLagMs: this.maxLagMs, invalid: [...this.invalid],
      ...(this.aborted === undefined ? {} : { aborted: this.aborted }),
      ...(this.timelineComplete ? { timeline: this.timeline.encode() } : {}),
      series: [...this.series.values()].map((series) => ({
        conversation: series.conversation, turn: series.turn, requests: series.requests, errors: series.errors,
        response: encodeHistogram(series.response), service: encodeHistogram(series.service),
        ...(series.firstToken.totalCount > 0 ? { firstToken: encodeHistogram(series.firstToken) } : {}),
      })),
    };
  }

  /** Adds a worker's result into this measurement exactly. */
  add(result: LoadWorkerResult): void {
    for (const key of ['scheduled', 'launched', 'late', 'dropped'] as const) this.arrivals[key] += result.arrivals[key];
    for (const key of ['started', 'passed', 'failed', 'errored'] as const) this.sessions[key] += result.sessions[key];
    for (const [kind, count] of Object.entries(result.errorKinds)) this.errorKinds[kind] = (this.errorKinds[kind] ?? 0) + count;
    this.assertionFailures += result.assertionFailures;
    this.maxLagMs = Math.max(this.maxLagMs, result.maxLagMs);
    for (const reason of result.invalid) if (!this.invalid.includes(reason)) this.invalid.push(reason);
    if (result.aborted !== undefined) this.aborted ??= result.aborted;
    this.startedAt = Math.min(this.startedAt, result.startedAt);
    this.durationMs = Math.max(this.durationMs, result.durationMs);
    if (result.timeline) this.timeline.add(result.timeline);
    else this.timelineComplete = false;
    for (const encoded of result.series) {
      const series = this.seriesFor(encoded.conversation, encoded.turn);
      series.requests += encoded.requests;
      series.errors += encoded.errors;
      mergeInto(series.response, decodeHistogram(encoded.response));
      mergeInto(series.service, decodeHistogram(encoded.service));
      if (encoded.firstToken !== undefined) mergeInto(series.firstToken, decodeHistogram(encoded.firstToken));
    }
  }

  /** A measurement holding the exact merge of worker results. */
  static fromResults(results: readonly LoadWorkerResult[]): LoadMeasurement {
    const merged = new LoadMeasurement();
    merged.startedAt = Math.min(...results.map((result) => result.startedAt), Date.now());
    for (const result of results) merged.add(result);
    return merged;
  }
}

export type { Histogram };
