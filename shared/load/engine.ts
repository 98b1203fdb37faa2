import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { Agent, Pool, type Dispatcher } from 'undici';
import { HttpConnector } from '../converse/connector';
import { DEFAULT_CONNECTOR } from '../converse/connector-schema';
import type { Conversation } from '../converse/model';
import { runSession, type TurnRecord } from '../converse/session';
import { arrivalOffsets, totalDurationMs } from './arrivals';
import { LagMonitor } from './lag-monitor';
import { SlotLimiter } from './limiter';
import { LoadMeasurement } from './measurement';
import { conversationPicker } from './mix';
import { rawSender, type RawDone } from './raw-request';
import type { LoadSlice } from './slice-schema';
import { sustainedBreach } from './thresholds';

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
  const launch = slice.mode === 'raw'
    ? rawLauncher(slice, target, dispatcher, measurement, onRecorded)
    : conversationLauncher(slice, options, dispatcher, measurement, onRecorded, () => stopper.signal.aborted);
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
    if (slice.mode === 'raw' && slice.closedLoop) await closedLoop(slice, launch.limiter, launch.send, start, stopper.signal, measurement);
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

interface Launcher {
  readonly limiter: SlotLimiter;
  /** Starts one arrival whose intended start is `intendedAt`; resolves when it is done. */
  readonly start: (index: number, intendedAt: number) => Promise<void>;
  /** Raw mode: sends one request and calls back when it is done. */
  readonly send: (done: RawDone) => void;
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
    if (launcher.limiter.waiting >= slice.maxPendingArrivals) {
      arrivals.dropped += 1;
      continue;
    }
    const lateness = performance.now() - due;
    if (lateness > slice.latenessToleranceMs) arrivals.late += 1;
    if (lateness > slice.maxLagMs) counts.veryLate += 1;
    arrivals.launched += 1;
    inflight += 1;
    launcher.start(arrival.index, due).then(settle, settle);
  }
  if (inflight > 0) await new Promise<void>((resolve) => (drained = resolve));
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

function rawLauncher(
  slice: LoadSlice, target: URL, dispatcher: Dispatcher, measurement: LoadMeasurement, onRecorded: (errorKind: string | undefined) => void,
): Launcher {
  const limiter = new SlotLimiter(slice.connections);
  const send = rawSender(target, slice, dispatcher);
  return {
    limiter,
    send,
    start: async (_index, intendedAt) => {
      const release = await limiter.acquire();
      const sentAt = performance.now();
      await new Promise<void>((resolve) => {
        send((endAt, errorKind) => {
          release();
          measurement.record('raw', 1, endAt - intendedAt, endAt - sentAt, errorKind, undefined, endAt);
          onRecorded(errorKind);
          resolve();
        });
      });
    },
  };
}

function conversationLauncher(
  slice: LoadSlice, options: EngineOptions, dispatcher: Dispatcher, measurement: LoadMeasurement,
  onRecorded: (errorKind: string | undefined) => void, stopped: () => boolean,
): Launcher {
  const limiter = new SlotLimiter(slice.connections);
  const connector = new HttpConnector(slice.connector ?? DEFAULT_CONNECTOR, dispatcher);
  const conversations = slice.think ? options.conversations : options.conversations.map(withoutThinkTime);
  const pick = conversationPicker(conversations, slice.weights);
  // Built once, not per simulated user: the callbacks every session of a conversation shares.
  const acquire = limiter.acquireNow.bind(limiter);
  const recorders = new Map(conversations.map((conversation) => [conversation, turnRecorder(conversation.name, measurement, onRecorded)] as const));
  return {
    limiter,
    send: (done) => done(performance.now(), 'protocol'),
    start: async (index, intendedAt) => {
      const conversation = pick(index);
      measurement.sessions.started += 1;
      const result = await runSession(conversation, {
        connector, target: options.target, userIndex: index, conversationId: `${options.runId}-${index}`, arrivedAt: intendedAt,
        acquire, stopped, onTurn: recorders.get(conversation) ?? turnRecorder(conversation.name, measurement, onRecorded),
      });
      const key = result.status === 'passed' ? 'passed' : result.status === 'failed' ? 'failed' : 'errored';
      measurement.sessions[key] += 1;
    },
  };
}

/** Records each turn of one conversation into its (conversation, turn) series. */
function turnRecorder(conversation: string, measurement: LoadMeasurement, onRecorded: (errorKind: string | undefined) => void): (turn: TurnRecord) => void {
  return (turn) => {
    const errorKind = turn.status === 'error' ? (turn.error?.kind ?? 'protocol') : turn.status === 'failed' ? 'assertion' : undefined;
    if (errorKind === 'assertion') measurement.assertionFailures += 1;
    const firstToken = turn.streamed ? turn.firstByteAt - turn.sentAt : undefined;
    measurement.record(conversation, turn.turn, turn.endAt - turn.intendedAt, turn.endAt - turn.sentAt, errorKind, firstToken, turn.endAt);
    onRecorded(errorKind);
  };
}

function withoutThinkTime(conversation: Conversation): Conversation {
  return { ...conversation, turns: conversation.turns.map((turn) => ({ ...turn, thinkMs: 0 })) };
}
