import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkAssertion, replyText, type AssertionFailure } from './assertions';
import { TransportFailure, type BotReply, type HttpConnector } from './connector';
import { compileJsonPath } from './jsonpath';
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
  /** Waits for a free connection slot before a send; returns a release function. */
  readonly acquire?: () => Promise<() => void>;
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
  for (const [column, value] of Object.entries(row ?? {})) variables.set(column, value);
  const wait = options.wait ?? sleep;
  const turns: TurnRecord[] = [];
  let previousEnd = options.arrivedAt ?? performance.now();
  for (const [index, turn] of conversation.turns.entries()) {
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
  let user = '';
  const base = { turn: number, intendedAt, bot: [] as string[], buttons: [] as string[], streamed: false };
  try {
    user = renderTemplate(chooseText(turn.user, options, number), variables);
  } catch (error) {
    const now = performance.now();
    return { ...base, user, sentAt: now, firstByteAt: now, endAt: now, status: 'error', error: { kind: 'template', message: (error as Error).message } };
  }
  variables.set('text', user);
  const release = options.acquire ? await options.acquire() : undefined;
  const sentAt = performance.now();
  let reply: BotReply;
  try {
    reply = await options.connector.send(variables);
  } catch (error) {
    const endAt = performance.now();
    const kind = error instanceof TransportFailure ? error.kind : 'protocol';
    return { ...base, user, sentAt, firstByteAt: endAt, endAt, status: 'error', error: { kind, message: (error as Error).message } };
  } finally {
    release?.();
  }
  const done = { ...base, user, sentAt, bot: reply.messages, buttons: reply.buttons, firstByteAt: reply.firstByteAt, endAt: reply.endAt, streamed: reply.streamed };
  for (const [name, value] of reply.context) variables.set(name, value);
  const failure = firstFailure(turn, reply, variables, reply.endAt - intendedAt);
  if (failure) return { ...done, status: 'failed', failure: { ...failure, where: turn.where } };
  return { ...done, status: 'passed' };
}

function firstFailure(turn: Turn, reply: BotReply, variables: Map<string, string>, latencyMs: number): AssertionFailure | undefined {
  for (const assertion of turn.expect) {
    try {
      const failure = checkAssertion(assertion, reply, variables);
      if (failure) return failure;
    } catch (error) {
      if (!(error instanceof MissingVariableError)) throw error;
      return { assertion: assertion.kind, expected: error.message, actual: replyText(reply) };
    }
  }
  if (turn.withinMs !== undefined && latencyMs > turn.withinMs) {
    return { assertion: 'within', expected: `reply within ${turn.withinMs} ms`, actual: `${Math.round(latencyMs)} ms` };
  }
  for (const capture of turn.capture) {
    const value = captured(capture, reply);
    if (value === undefined) return { assertion: `capture ${capture.name}`, expected: `${capture.from} ${capture.expression} to match`, actual: replyText(reply) };
    variables.set(capture.name, value);
  }
  return undefined;
}

function captured(capture: Capture, reply: BotReply): string | undefined {
  if (capture.from === 'jsonPath') {
    const found = compileJsonPath(capture.expression).select(reply.body).find((value) => value !== null && typeof value !== 'object');
    return found === undefined ? undefined : String(found);
  }
  const match = new RegExp(capture.expression, capture.flags ?? '').exec(replyText(reply));
  return match ? (match[1] ?? match[0]) : undefined;
}

function chooseText(input: UserInput, options: SessionOptions, turn: number): string {
  if (input.kind === 'text') return input.text;
  const pick = options.pick ?? ((list: readonly string[], userIndex: number) => list[userIndex % list.length] ?? '');
  return pick(input.options, options.userIndex, turn);
}
