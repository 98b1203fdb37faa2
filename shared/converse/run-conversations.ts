import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher } from 'undici';
import { EnvironmentError } from '../errors';
import { newLatencyHistogram, recordMs, summarize, type LatencySummary } from '../load/histograms';
import { HttpConnector } from './connector';
import { DEFAULT_CONNECTOR, type ConnectorConfig } from './connector-schema';
import type { Conversation, Where } from './model';
import { runSession, type SessionResult, type TurnRecord } from './session';

/** One turn in a transcript, times in ms. */
export interface TranscriptTurn {
  readonly turn: number;
  readonly user: string;
  /** The bot's messages joined by newlines. */
  readonly bot: string;
  readonly messages: readonly string[];
  readonly buttons: readonly string[];
  readonly latencyMs: number;
  /** Streamed replies only: time to the first event. */
  readonly firstTokenMs?: number;
  readonly status: 'passed' | 'failed' | 'error';
}

/** The first thing that went wrong in a conversation. */
export interface ConversationFailure {
  readonly turn: number;
  readonly assertion: string;
  readonly expected: string;
  readonly actual: string;
  readonly where?: Where;
}

export interface ConversationReport {
  readonly name: string;
  readonly file: string;
  readonly tags: readonly string[];
  readonly status: 'passed' | 'failed';
  readonly durationMs: number;
  readonly turns: readonly TranscriptTurn[];
  readonly failure?: ConversationFailure;
}

/** `converse.json`: the shape `--json FILE` promises, plus latency figures. */
export interface ConverseReport {
  readonly target: string;
  readonly passed: number;
  readonly failed: number;
  readonly durationMs: number;
  readonly turnLatency: LatencySummary;
  readonly conversations: readonly ConversationReport[];
}

export interface RunConversationsOptions {
  readonly target: string;
  readonly connector?: ConnectorConfig;
  /** Injected in tests; otherwise a keep-alive Agent is created and closed. */
  readonly dispatcher?: Dispatcher;
  /** Conversations run at once (after the first, which runs alone to check the target is reachable). */
  readonly concurrency?: number;
  /** Called after each conversation, for progress. */
  readonly onConversation?: (report: ConversationReport, done: number, total: number) => void;
}

/**
 * Runs each conversation once as one simulated user (data row 0) and returns the transcripts. The
 * first conversation runs alone: when it cannot even connect, {@link EnvironmentError} ends the run
 * at once instead of failing every conversation the same way.
 */
export async function runConversations(conversations: readonly Conversation[], options: RunConversationsOptions): Promise<ConverseReport> {
  const dispatcher = options.dispatcher ?? new Agent({ connections: 8, keepAliveTimeout: 10_000 });
  const connector = new HttpConnector(options.connector ?? DEFAULT_CONNECTOR, dispatcher);
  const started = performance.now();
  const reports: ConversationReport[] = new Array<ConversationReport>(conversations.length);
  const runId = randomUUID();
  let done = 0;
  const runOne = async (index: number): Promise<void> => {
    const conversation = conversations[index] as Conversation;
    const begin = performance.now();
    const result = await runSession(conversation, { connector, target: options.target, userIndex: 0, conversationId: `rehearsal-${runId}-${index}` });
    const report = toReport(conversation, result, performance.now() - begin);
    reports[index] = report;
    done += 1;
    options.onConversation?.(report, done, conversations.length);
    const first = result.turns[0];
    if (index === 0 && first?.status === 'error' && first.error?.kind === 'connection') {
      throw new EnvironmentError(`the bot at ${options.target} is unreachable: ${first.error.message}; no conversation was run further`);
    }
  };
  try {
    if (conversations.length > 0) await runOne(0);
    let next = 1;
    const worker = async (): Promise<void> => {
      while (next < conversations.length) await runOne(next++);
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  } finally {
    if (!options.dispatcher) await dispatcher.close();
  }
  const latency = newLatencyHistogram();
  for (const report of reports) for (const turn of report.turns) if (turn.status !== 'error') recordMs(latency, turn.latencyMs);
  const failed = reports.filter((report) => report.status === 'failed').length;
  return { target: options.target, passed: reports.length - failed, failed, durationMs: round(performance.now() - started), turnLatency: summarize(latency), conversations: reports };
}

function toReport(conversation: Conversation, result: SessionResult, durationMs: number): ConversationReport {
  const turns = result.turns.map(toTranscriptTurn);
  const failing = result.turns.find((turn) => turn.status !== 'passed');
  const base = { name: conversation.name, file: conversation.where.file, tags: conversation.tags, durationMs: round(durationMs), turns };
  if (!failing) return { ...base, status: 'passed' };
  const failure: ConversationFailure = failing.failure
    ? { turn: failing.turn, assertion: failing.failure.assertion, expected: failing.failure.expected, actual: failing.failure.actual, where: failing.failure.where }
    : { turn: failing.turn, assertion: `reply (${failing.error?.kind ?? 'error'})`, expected: 'a reply', actual: failing.error?.message ?? 'no reply', where: conversation.turns[failing.turn - 1]?.where ?? conversation.where };
  return { ...base, status: 'failed', failure };
}

function toTranscriptTurn(turn: TurnRecord): TranscriptTurn {
  return {
    turn: turn.turn, user: turn.user, bot: turn.bot.join('\n'), messages: turn.bot, buttons: turn.buttons,
    latencyMs: round(turn.endAt - turn.sentAt), status: turn.status,
    ...(turn.streamed ? { firstTokenMs: round(turn.firstByteAt - turn.sentAt) } : {}),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
