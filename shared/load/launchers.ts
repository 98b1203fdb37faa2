import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { HttpConnector } from '../converse/connector';
import { DEFAULT_CONNECTOR } from '../converse/connector-schema';
import type { Conversation } from '../converse/model';
import { runSession, type TurnRecord } from '../converse/session';
import { SlotLimiter } from './limiter';
import { LoadMeasurement } from './measurement';
import { conversationPicker } from './mix';
import { rawSender, type RawDone } from './raw-request';
import type { LoadSlice } from './slice-schema';

/**
 * What the load engine starts at each arrival: one raw request, or one simulated user running a
 * conversation, through a connection slot of the launcher's limiter.
 */
export interface Launcher {
  readonly limiter: SlotLimiter;
  /** Starts one arrival whose intended start is `intendedAt`; resolves when it is done. */
  readonly start: (index: number, intendedAt: number) => Promise<void>;
  /** Raw mode: sends one request and calls back when it is done. */
  readonly send: (done: RawDone) => void;
}

/** Which run a launcher's sessions belong to: the bot's URL and the prefix of conversation ids. */
export interface RunIdentity {
  readonly target: string;
  readonly runId: string;
}

/** Raw mode: each arrival sends the profile's request once and records its two timings. */
export function rawLauncher(
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

/** Think time in a run: a timer. */
export const thinkFor = (ms: number): Promise<unknown> => sleep(ms);
/** Think time in a warm-up: none, so a warm-up never sleeps. */
const noThinking = (): Promise<unknown> => Promise.resolve();

/**
 * The warm-up's launch function (see ./warm-up): the run's own launcher code on the warm-up's
 * dispatcher, recording into a throwaway measurement. Its arrivals run the very conversation objects
 * the run will (V8 optimizes for the object shapes it has seen: copies would have other shapes, and
 * the run's first turns would throw the optimized code away), without think time. Every other arrival
 * runs a copy without assertions and captures instead: the warm-up server's reply fails most
 * assertions, which ends a session after its first turn, so those copies are what exercise the
 * passing path and the later turns.
 */
export function warmUpLauncher(slice: LoadSlice, target: URL, conversations: readonly Conversation[], run: RunIdentity, dispatcher: Dispatcher): (index: number) => Promise<void> {
  const ignored = (): void => undefined;
  if (slice.mode === 'raw') {
    const raw = rawLauncher(slice, target, dispatcher, new LoadMeasurement(), ignored);
    return (index) => raw.start(index, performance.now());
  }
  const checked = conversationLauncher(slice, conversations, run, dispatcher, new LoadMeasurement(), ignored, () => false, noThinking);
  const unchecked = conversationLauncher(slice, conversations.map(withoutChecks), run, dispatcher, new LoadMeasurement(), ignored, () => false, noThinking);
  return (index) => (index % 2 === 0 ? checked : unchecked).start(index, performance.now());
}

/**
 * Conversation mode: each arrival is a simulated user running the conversation the mix picks for its
 * index, each turn recorded in its (conversation, turn) series; `wait` is the think time.
 */
export function conversationLauncher(
  slice: LoadSlice, conversations: readonly Conversation[], run: RunIdentity, dispatcher: Dispatcher, measurement: LoadMeasurement,
  onRecorded: (errorKind: string | undefined) => void, stopped: () => boolean, wait: (ms: number) => Promise<unknown>,
): Launcher {
  const limiter = new SlotLimiter(slice.connections);
  const connector = new HttpConnector(slice.connector ?? DEFAULT_CONNECTOR, dispatcher);
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
        connector, target: run.target, userIndex: index, conversationId: `${run.runId}-${index}`, arrivedAt: intendedAt,
        acquire, stopped, wait, onTurn: recorders.get(conversation) ?? turnRecorder(conversation.name, measurement, onRecorded),
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

/** The conversation with every think time zero (profiles with `think: false`). */
export function withoutThinkTime(conversation: Conversation): Conversation {
  return { ...conversation, turns: conversation.turns.map((turn) => ({ ...turn, thinkMs: 0 })) };
}

function withoutChecks(conversation: Conversation): Conversation {
  return { ...conversation, turns: conversation.turns.map(({ withinMs: _budget, ...turn }) => ({ ...turn, expect: [], capture: [] })) };
}
