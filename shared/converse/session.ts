import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransportFailure, type BotReply, type HttpConnector } from './connector';
import { compileAssertion, replyText, type AssertionFailure, type CompiledAssertion } from './assertions';
import { compileJsonPath, type JsonPath } from './jsonpath';
import type { Capture, Conversation, Turn, UserInput, Where } from './model';
import { MissingVariableError, renderTemplate } from './template';

/** What happened in one turn. Times are `performance.now()` stamps; durations are in ms. */
export interface TurnRecord {
  /** 1-based turn number inside the conversation. */
  readonly turn: number;
  readonly user: string;
  readonly bot: readonly string[];
  readonly buttons: readonly string[];
  /** When the turn should have started (arrival time, or previous reply + think time). */
  readonly intendedAt: number;
  /** When the request actually went out (after waiting for a free connection). */
  readonly sentAt: number;
  readonly firstByteAt: number;
  readonly endAt: number;
  readonly streamed: boolean;
  readonly status: 'passed' | 'failed' | 'error';
  readonly failure?: AssertionFailure & { readonly where: Where };
  readonly error?: { readonly kind: string; readonly message: string };
}

/** The outcome of one simulated user running one conversation. */
export interface SessionResult {
  readonly conversation: string;
  readonly status: 'passed' | 'failed' | 'error';
  /** Turns that ran, in order; turns after the first failure do not run. */
  readonly turns: readonly TurnRecord[];
}

/** How one session runs; the load engine and the converse runner each supply theirs. */
export interface SessionOptions {
  readonly connector: HttpConnector;
  readonly target: string;
  readonly userIndex: number;
  readonly conversationId: string;
  /** When the simulated user arrived (`performance.now()`); defaults to now. */
  readonly arrivedAt?: number;
  /**
   * Waits for a free connection slot before a send; gives a release function, at once when a slot is
   * free (no promise to wait on) or through a promise.
   */
  readonly acquire?: () => (() => void) | Promise<() => void>;
  /** Think time; tests and the engine may replace it. */
  readonly wait?: (ms: number) => Promise<unknown>;
  /** Called after every turn (the load engine records histograms here). */
  readonly onTurn?: (record: TurnRecord, turn: Turn) => void;
  /** Picks one of an "any of" list; defaults to the user's index modulo the list length. */
  readonly pick?: (options: readonly string[], userIndex: number, turn: number) => string;
  /** Asked before each turn; true ends the session early (the load run was aborted). */
  readonly stopped?: () => boolean;
}

/** Runs one conversation as one simulated user, turn by turn, stopping at the first failed turn. */
export async function runSession(conversation: Conversation, options: SessionOptions): Promise<SessionResult> {
  const variables = new Map<string, string>([
    ['conversationId', options.conversationId],
    ['userIndex', String(options.userIndex)],
    ['target', options.target],
  ]);
  const row = conversation.data.length === 0 ? undefined : conversation.data[options.userIndex % conversation.data.length];
  if (row !== undefined) for (const [column, value] of Object.entries(row)) variables.set(column, value);
  const wait = options.wait ?? sleep;
  const turns: TurnRecord[] = [];
  const count = conversation.turns.length;
  let previousEnd = options.arrivedAt ?? performance.now();
  // A plain loop and one record literal per turn: this runs for every simulated user under load.
  for (let index = 0; index < count; index += 1) {
    const turn = conversation.turns[index] as Turn;
    if (options.stopped?.()) break;
    if (turn.thinkMs > 0) await wait(turn.thinkMs);
    // Intended start is computed, not read from the clock: a late timer must not hide a slow generator.
    const intendedAt = previousEnd + turn.thinkMs;
    const record = await runTurn(turn, index + 1, intendedAt, variables, options);
    turns.push(record);
    options.onTurn?.(record, turn);
    previousEnd = record.endAt;
    if (record.status !== 'passed') return { conversation: conversation.name, status: record.status, turns };
  }
  return { conversation: conversation.name, status: 'passed', turns };
}

async function runTurn(turn: Turn, number: number, intendedAt: number, variables: Map<string, string>, options: SessionOptions): Promise<TurnRecord> {
  let user: string;
  try {
    user = renderTemplate(chooseText(turn.user, options, number), variables);
  } catch (error) {
    const now = performance.now();
    return {
      turn: number, intendedAt, bot: [], buttons: [], streamed: false, user: '', sentAt: now, firstByteAt: now, endAt: now,
      status: 'error', error: { kind: 'template', message: (error as Error).message },
    };
  }
  variables.set('text', user);
  // A free slot comes back as the release function itself: no promise, no extra turn of the microtask queue.
  const slot = options.acquire?.();
  const release = slot === undefined || typeof slot === 'function' ? slot : await slot;
  const sentAt = performance.now();
  let reply: BotReply;
  try {
    reply = await options.connector.send(variables);
  } catch (error) {
    const endAt = performance.now();
    const kind = error instanceof TransportFailure ? error.kind : 'protocol';
    return {
      turn: number, intendedAt, bot: [], buttons: [], streamed: false, user, sentAt, firstByteAt: endAt, endAt,
      status: 'error', error: { kind, message: (error as Error).message },
    };
  } finally {
    release?.();
  }
  if (reply.context.size > 0) for (const [name, value] of reply.context) variables.set(name, value);
  const failure = firstFailure(turn, reply, variables, reply.endAt - intendedAt);
  if (failure) {
    return {
      turn: number, intendedAt, bot: reply.messages, buttons: reply.buttons, streamed: reply.streamed, user, sentAt, firstByteAt: reply.firstByteAt, endAt: reply.endAt,
      status: 'failed', failure: { ...failure, where: turn.where },
    };
  }
  return {
    turn: number, intendedAt, bot: reply.messages, buttons: reply.buttons, streamed: reply.streamed, user, sentAt, firstByteAt: reply.firstByteAt, endAt: reply.endAt,
    status: 'passed',
  };
}

function firstFailure(turn: Turn, reply: BotReply, variables: Map<string, string>, latencyMs: number): AssertionFailure | undefined {
  const compiled = compiledTurn(turn);
  const text = replyText(reply);
  for (const assertion of compiled.assertions) {
    try {
      const failure = assertion.check(reply, text, variables);
      if (failure) return failure;
    } catch (error) {
      if (!(error instanceof MissingVariableError)) throw error;
      return { assertion: assertion.kind, expected: error.message, actual: text };
    }
  }
  if (turn.withinMs !== undefined && latencyMs > turn.withinMs) {
    return { assertion: 'within', expected: `reply within ${turn.withinMs} ms`, actual: `${Math.round(latencyMs)} ms` };
  }
  for (const capture of compiled.captures) {
    const value = capture.take(reply, text);
    if (value === undefined) return { assertion: `capture ${capture.name}`, expected: `${capture.from} ${capture.expression} to match`, actual: text };
    variables.set(capture.name, value);
  }
  return undefined;
}

function chooseText(input: UserInput, options: SessionOptions, turn: number): string {
  if (input.kind === 'text') return input.text;
  if (options.pick) return options.pick(input.options, options.userIndex, turn);
  return input.options[options.userIndex % input.options.length] ?? '';
}

/** A turn's assertions and captures, compiled once per turn object rather than once per reply. */
interface CompiledTurn {
  readonly assertions: readonly CompiledAssertion[];
  readonly captures: readonly CompiledCapture[];
}

interface CompiledCapture extends Capture {
  /** The captured value, or undefined when the reply does not match. */
  take(reply: BotReply, text: string): string | undefined;
}

const compiledTurns = new WeakMap<Turn, CompiledTurn>();

function compiledTurn(turn: Turn): CompiledTurn {
  let compiled = compiledTurns.get(turn);
  if (!compiled) {
    compiled = { assertions: turn.expect.map(compileAssertion), captures: turn.capture.map(compileCapture) };
    compiledTurns.set(turn, compiled);
  }
  return compiled;
}

function compileCapture(capture: Capture): CompiledCapture {
  if (capture.from === 'jsonPath') {
    // Compiled on first use, so a bad expression still fails where it always did: at the capture.
    let path: JsonPath | undefined;
    return {
      ...capture,
      take(reply) {
        path ??= compileJsonPath(capture.expression);
        const found = path.select(reply.body).find(isScalar);
        return found === undefined ? undefined : String(found);
      },
    };
  }
  let pattern: RegExp | undefined;
  return {
    ...capture,
    take(_reply, text) {
      pattern ??= new RegExp(capture.expression, capture.flags ?? '');
      // A fresh RegExp started at 0; a reused global or sticky one must too.
      pattern.lastIndex = 0;
      const match = pattern.exec(text);
      return match ? (match[1] ?? match[0]) : undefined;
    },
  };
}

function isScalar(value: unknown): boolean {
  return value !== null && typeof value !== 'object';
}
