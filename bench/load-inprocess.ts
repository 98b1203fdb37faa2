/**
 * The generator's own cost per turn, without the network: the load engine runs against an in-process
 * undici Dispatcher that answers every request on the next turn of the event loop with the loopback
 * target's reply. What is left is rehearsal's code (schedule, session, templates, connector, JSONPath,
 * assertions, recording); the kernel and the HTTP client are out, so the figure hardly moves on a busy
 * machine. Baseline in the same run: raw mode (one request per arrival, no conversation logic) through
 * the same dispatcher at the same rate. Used by bench/load.ts (section `engine`); runs on its own too:
 *
 *   node --import tsx bench/load-inprocess.ts '{"rate":10000,"durationMs":2000,"rounds":5}'
 */
import { Dispatcher } from 'undici';
import type { Conversation } from '../shared/converse/model';
import { planLoadSlices } from '../shared/load/distributed';
import { runLoadSlice } from '../shared/load/engine';

const reply = Buffer.from(JSON.stringify({ messages: [{ text: 'ok', buttons: [{ title: 'Next' }] }] }));
// The headers node:http sends with that reply.
const replyHeaders = ['Content-Type', 'application/json', 'Content-Length', String(reply.length), 'Date', new Date().toUTCString(), 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=120']
  .map((text) => Buffer.from(text));

/** Answers every request with the reply above on the next check phase, as a socket read would. */
class EchoDispatcher extends Dispatcher {
  requests = 0;

  override dispatch(_options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.requests += 1;
    setImmediate(answer, handler);
    return true;
  }

  override close(): Promise<void> {
    return Promise.resolve();
  }

  override destroy(): Promise<void> {
    return Promise.resolve();
  }
}

function answer(handler: Dispatcher.DispatchHandler): void {
  handler.onConnect?.(() => undefined);
  handler.onHeaders?.(200, replyHeaders, () => undefined, 'OK');
  handler.onData?.(reply);
  handler.onComplete?.([]);
}

/** The bench conversation of bench/load-generator.ts: `turns` turns, each checked with `contains`. */
function benchConversation(turns: number): Conversation {
  return {
    name: 'bench', tags: [], weight: 1, data: [], where: { file: 'bench' },
    turns: Array.from({ length: turns }, (_unused, index) => ({
      user: { kind: 'text' as const, text: `turn ${index + 1}` }, expect: [{ kind: 'contains' as const, values: ['ok'], mode: 'all' as const }],
      thinkMs: 0, capture: [], where: { file: 'bench' },
    })),
  };
}

/** CPU microseconds per completed request (raw) or turn (conversations) of one run. */
async function cpuPerRequest(mode: 'raw' | 'conversations', rate: number, durationMs: number): Promise<number> {
  const [slice] = planLoadSlices({
    mode, connections: 64, phases: [{ durationMs, arrivalRate: rate }],
    ...(mode === 'raw' ? { raw: { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: '{"conversationId":"bench-1","text":"turn 1"}' } } : {}),
  }, 1);
  if (!slice) throw new Error('no slice');
  const dispatcher = new EchoDispatcher();
  const before = process.cpuUsage();
  const measurement = await runLoadSlice(slice, { target: 'http://127.0.0.1:9/chat', conversations: [benchConversation(2)], runId: 'bench', dispatcher, warmUp: false });
  const used = process.cpuUsage(before);
  const { requests, errors } = measurement.combined();
  if (errors > 0 || requests !== dispatcher.requests) throw new Error(`in-process ${mode} run lost requests: ${requests} recorded, ${errors} errors, ${dispatcher.requests} sent`);
  return (used.user + used.system) / requests;
}

/** Alternating rounds of both modes; medians, and the turn's cost over the raw request's. */
export async function engineOverhead(options: { rate: number; durationMs: number; rounds: number }) {
  const turns: number[] = [];
  const raw: number[] = [];
  // A warm-up of each, so both are measured with optimized code.
  await cpuPerRequest('conversations', options.rate, 500);
  await cpuPerRequest('raw', options.rate, 500);
  for (let round = 0; round < options.rounds; round += 1) {
    turns.push(await cpuPerRequest('conversations', options.rate, options.durationMs));
    raw.push(await cpuPerRequest('raw', options.rate, options.durationMs));
  }
  const cpuMicrosPerTurn = median(turns);
  const cpuMicrosPerRawRequest = median(raw);
  return {
    arrivalRate: options.rate, turnsPerConversation: 2, rounds: options.rounds,
    cpuMicrosPerTurn: round2(cpuMicrosPerTurn), cpuMicrosPerRawRequest: round2(cpuMicrosPerRawRequest),
    turnToRawRatio: round2(cpuMicrosPerTurn / cpuMicrosPerRawRequest), ownCodeTurnsPerCpuSecond: Math.round(1e6 / cpuMicrosPerTurn),
    perRound: { turns: turns.map(round2), raw: raw.map(round2) },
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

if (require.main === module) {
  const options = { rate: 10_000, durationMs: 2000, rounds: 5, ...(JSON.parse(process.argv[2] ?? '{}') as Partial<{ rate: number; durationMs: number; rounds: number }>) };
  void engineOverhead(options).then((result) => process.stdout.write(`${JSON.stringify(result)}\n`), (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
