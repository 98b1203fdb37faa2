import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { Agent, Pool, type Dispatcher } from 'undici';
import type { Conversation } from '../converse/model';
import { arrivalOffsets, totalDurationMs } from './arrivals';
import { LagMonitor } from './lag-monitor';
import { conversationLauncher, rawLauncher, thinkFor, warmUpLauncher, withoutThinkTime, type Launcher } from './launchers';
import type { SlotLimiter } from './limiter';
import { PendingArrivals } from './pending-arrivals';
import { LoadMeasurement } from './measurement';
import type { LoadSlice } from './slice-schema';
import { sustainedBreach } from './thresholds';
import { warmUp, warmUpArrivals } from './warm-up';

/** Options of {@link runLoadSlice}. */
export interface EngineOptions {
  /** The bot's URL (conversation mode: the connector's `{{target}}`; raw mode: the URL requested). */
  readonly target: string;
  /** Conversations of the mix; ignored in raw mode. */
  readonly conversations: readonly Conversation[];
  /** Prefix of conversation ids, so runs and workers never share a conversation. */
  readonly runId: string;
  /** An undici dispatcher to send through; by default one is created (keep-alive) and closed at the end. */
  readonly dispatcher?: Dispatcher;
  /** Asked every `checkIntervalMs`; a returned reason stops the run early. Defaults to the slice's `abortOn`. */
  readonly abortWhen?: (measurement: LoadMeasurement, elapsedMs: number) => string | undefined;
  readonly checkIntervalMs?: number;
  /**
   * Open-model runs warm the generator's code up against a server inside this process before the
   * schedule starts (see ./warm-up); false starts cold. Default true.
   */
  readonly warmUp?: boolean;
}

/** Connection failures, with no success at all, after which the target counts as unreachable. */
const UNREACHABLE_AFTER = 5;

/**
 * Runs one slice of an open-model load: launches each of the slice's arrivals at its intended time
 * whatever the bot is doing, times every request from its intended start (response time) and from its
 * actual send (service time) into per-(conversation, turn) HdrHistograms, counts late and dropped
 * arrivals, and marks the result invalid when the generator's own event loop lagged.
 */
export async function runLoadSlice(slice: LoadSlice, options: EngineOptions): Promise<LoadMeasurement> {
  const target = new URL(options.target);
  const ownDispatcher = options.dispatcher === undefined;
  const dispatcher = options.dispatcher ?? (slice.mode === 'raw'
    ? new Pool(target.origin, { connections: slice.connections, pipelining: 1, keepAliveTimeout: 30_000 })
    : new Agent({ connections: slice.connections, pipelining: 1, keepAliveTimeout: 30_000 }));
  const measurement = new LoadMeasurement();
  const stopper = new AbortController();
  const stop = (reason: string): void => {
    if (stopper.signal.aborted) return;
    measurement.aborted = reason;
    stopper.abort();
  };
  const onRecorded = (errorKind: string | undefined): void => {
    if (errorKind === 'connection' && (measurement.errorKinds.connection ?? 0) >= UNREACHABLE_AFTER && measurement.requests === measurement.errors) {
      stop(`target ${target.origin} is unreachable: ${UNREACHABLE_AFTER} connection failures and no reply; stopped early`);
    }
  };
  const conversations = slice.think ? options.conversations : options.conversations.map(withoutThinkTime);
  const launch = slice.mode === 'raw'
    ? rawLauncher(slice, target, dispatcher, measurement, onRecorded)
    : conversationLauncher(slice, conversations, options, dispatcher, measurement, onRecorded, () => stopper.signal.aborted, thinkFor);
  const closed = slice.mode === 'raw' && slice.closedLoop;
  // A closed loop has no schedule to fall behind: it starts at once, as the tools it is compared with do.
  if (!closed && options.warmUp !== false) {
    measurement.warmUp = await warmUp(warmUpArrivals(slice.phases, slice.workerCount), Math.min(slice.connections, 64), (local) => warmUpLauncher(slice, target, conversations, options, local));
  }
  // Arrivals launched later than maxLagMs: a few mean a busy moment, more than 1% a saturated generator.
  const schedule = { veryLate: 0 };
  const lag = new LagMonitor();
  const start = performance.now();
  measurement.markStart(start);
  const abortWhen = options.abortWhen ?? (slice.abortOn ? sustainedBreach(slice.abortOn.checks, slice.abortOn.windowMs) : undefined);
  const checker = setInterval(() => {
    const reason = abortWhen?.(measurement, performance.now() - start);
    if (reason !== undefined) stop(reason);
  }, options.checkIntervalMs ?? 1000);
  checker.unref();
  try {
    if (closed) await closedLoop(slice, launch.limiter, launch.send, start, stopper.signal, measurement);
    else await runSchedule(slice, launch, start, stopper.signal, measurement, schedule);
  } finally {
    clearInterval(checker);
    const seen = lag.stop();
    measurement.durationMs = performance.now() - start;
    measurement.maxLagMs = Math.round(seen.maxMs * 1000) / 1000;
    if (seen.p99Ms > slice.maxLagMs) {
      measurement.invalid.push(`generator saturated: event-loop delay p99 ${seen.p99Ms.toFixed(1)} ms exceeded ${slice.maxLagMs} ms, so timings include the generator's own delays`);
    }
    const { launched } = measurement.arrivals;
    const { veryLate } = schedule;
    if (launched > 0 && veryLate / launched > 0.01 && veryLate > 5) {
      measurement.invalid.push(`generator saturated: ${veryLate} of ${launched} arrivals left more than ${slice.maxLagMs} ms after their intended time`);
    }
    if (ownDispatcher) await dispatcher.close();
  }
  return measurement;
}

async function runSchedule(
  slice: LoadSlice, launcher: Launcher, start: number, signal: AbortSignal, measurement: LoadMeasurement, counts: { veryLate: number },
): Promise<void> {
  // A counter and one promise for the drain, not a promise per arrival in a Set: cheaper at high rates.
  let inflight = 0;
  let drained: (() => void) | undefined;
  const settle = (): void => {
    inflight -= 1;
    if (inflight === 0) drained?.();
  };
  const { arrivals } = measurement;
  const { limiter } = launcher;
  // Arrivals that find every slot taken wait as two numbers until one frees (see ./pending-arrivals).
  // A started arrival takes its slot at once (its first request acquires it synchronously), so each
  // freed slot starts exactly one of them, oldest first; turns of running conversations waiting in the
  // limiter are served before them.
  const pending = new PendingArrivals();
  const begin = (index: number, due: number): void => {
    launcher.start(index, due).then(settle, settle);
  };
  const startPending = (): void => {
    while (limiter.free > 0 && pending.shift(begin));
  };
  limiter.onFree = startPending;
  // Once the run stops, arrivals still waiting are never sent: they count as dropped, not launched.
  const dropPending = (): void => {
    const removed = pending.clear();
    arrivals.launched -= removed;
    arrivals.dropped += removed;
    inflight -= removed;
    if (removed > 0 && inflight === 0) drained?.();
  };
  signal.addEventListener('abort', dropPending, { once: true });
  let launchedSinceYield = 0;
  for (const arrival of arrivalOffsets(slice.phases)) {
    if (arrival.index % slice.workerCount !== slice.workerIndex) continue;
    if (signal.aborted) break;
    const due = start + arrival.atMs;
    // Never send early. Timers fire up to a millisecond or two late, so a long gap sleeps until 1 ms
    // before the arrival and yields to the loop for the rest (precise at low rates); a short gap sleeps
    // 1 ms and the arrivals due by then go out together (a little late, which their intended start
    // accounts for) instead of spinning the CPU the replies need.
    let now = performance.now();
    if (now < due) {
      if (due - now > 2) {
        await sleep(due - now - 1, undefined, { signal }).catch(() => undefined);
        for (now = performance.now(); now < due && !signal.aborted; now = performance.now()) await yieldToLoop();
      }
      while (now < due && !signal.aborted) {
        await sleep(1, undefined, { signal }).catch(() => undefined);
        now = performance.now();
      }
      launchedSinceYield = 0;
    } else if (++launchedSinceYield >= 64) {
      // Behind schedule: keep launching, but let replies in every 64 launches.
      launchedSinceYield = 0;
      await yieldToLoop();
    }
    if (signal.aborted) break;
    arrivals.scheduled += 1;
    if (limiter.waiting + pending.size >= slice.maxPendingArrivals) {
      arrivals.dropped += 1;
      continue;
    }
    const lateness = performance.now() - due;
    if (lateness > slice.latenessToleranceMs) arrivals.late += 1;
    if (lateness > slice.maxLagMs) counts.veryLate += 1;
    arrivals.launched += 1;
    inflight += 1;
    if (pending.size === 0 && limiter.free > 0) begin(arrival.index, due);
    else {
      pending.push(arrival.index, due);
      startPending();
    }
  }
  if (signal.aborted) dropPending();
  if (inflight > 0) await new Promise<void>((resolve) => (drained = resolve));
  signal.removeEventListener('abort', dropPending);
  limiter.onFree = undefined;
}

function closedLoop(
  slice: LoadSlice, limiter: SlotLimiter, send: Launcher['send'], start: number, signal: AbortSignal, measurement: LoadMeasurement,
): Promise<void> {
  const end = start + totalDurationMs(slice.phases);
  // Callbacks, not async/await: at tens of thousands of requests per second a promise per request shows.
  return new Promise((resolve) => {
    let running = limiter.slots;
    const loop = (): void => {
      // One clock read per request: the moment that decides whether to send is the send time.
      const sentAt = performance.now();
      if (sentAt >= end || signal.aborted) {
        running -= 1;
        if (running === 0) resolve();
        return;
      }
      measurement.arrivals.scheduled += 1;
      measurement.arrivals.launched += 1;
      send((endAt, errorKind) => {
        // A closed loop has no intended start besides the send itself: response time equals service time.
        measurement.record('raw', 1, endAt - sentAt, endAt - sentAt, errorKind, undefined, endAt);
        loop();
      });
    };
    for (let index = 0; index < limiter.slots; index += 1) loop();
  });
}
