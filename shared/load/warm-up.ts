import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, Pool, type Dispatcher } from 'undici';
import type { ArrivalPhase } from './arrivals';

/**
 * Warming the generator up before its schedule starts.
 *
 * Measured on the bench (bench/load.ts, conversations; CPU profiles and --trace-opt): a cold generator
 * spends its first second or so at full CPU running interpreted and baseline-compiled code (undici,
 * the HTTP parser, sessions, JSONPath, recording) at 3-5 times the CPU per turn it needs once V8 has
 * optimized it (~200 functions get optimized in that second). At a few thousand arrivals per second
 * that is enough to fall behind, and the arrivals of that second go out late: a correctly
 * late-counting open model then marks the whole run invalid for a start-up effect (at 7000 arrivals
 * per second, 2 turns each, on a quiet machine: 2646 and 4905 of 28000 arrivals over 100 ms late
 * without a warm-up; none with it). So before
 * the clock starts, the engine runs its own code against a server inside this process, on 127.0.0.1,
 * that answers every request at once: the same launcher, connector and HTTP client as the run, through
 * a dispatcher of its own. Nothing is sent to the target and nothing is recorded: the target sees only
 * the scheduled arrivals, and the schedule's arrivals are still timed, and counted late, exactly as
 * before.
 */

/** Seconds of the peak per-worker arrival rate to warm up with (half a second left hot paths cold on the bench). */
const WARM_UP_SECONDS = 1;
/** Enough for V8 to optimize the hot paths: 10 000 or 20 000 left as many functions to optimize after the start. */
const MAX_WARM_UP_ARRIVALS = 5000;
/** Never delay the run by more than this, however slow the machine. */
export const MAX_WARM_UP_MS = 2000;
/** What the warm-up server answers: the default protocol's shape, so the reply is parsed as a real one is. */
const WARM_UP_REPLY = JSON.stringify({ messages: [{ text: 'warm-up', buttons: [{ title: 'warm-up' }] }] });

/** What a warm-up did. */
export interface WarmUpFigures {
  /** Arrivals run against the in-process server. */
  readonly arrivals: number;
  readonly durationMs: number;
  /** CPU time of this process during the warm-up, microseconds (user + system). */
  readonly cpuMicros: number;
}

/**
 * How many arrivals a worker warms up with: a second's worth of its share of the peak rate,
 * capped; a run at a few arrivals per second warms up with a few (its code is never the bottleneck).
 */
export function warmUpArrivals(phases: readonly ArrivalPhase[], workerCount: number): number {
  const peak = Math.max(0, ...phases.map((phase) => Math.max(phase.arrivalRate, phase.rampTo ?? 0)));
  return Math.min(MAX_WARM_UP_ARRIVALS, Math.ceil((peak / workerCount) * WARM_UP_SECONDS));
}

/**
 * Runs `arrivals` arrivals through the launcher `prepare` builds on a dispatcher bound to a server in
 * this process, at most `concurrency` at a time, for at most {@link MAX_WARM_UP_MS}. Failures are
 * ignored: the warm-up only exercises code. Resolves with what it did, or undefined when there was
 * nothing to do or no local server could listen (then the run simply starts cold).
 */
export async function warmUp(
  arrivals: number, concurrency: number, prepare: (dispatcher: Dispatcher) => (index: number) => Promise<void>,
): Promise<WarmUpFigures | undefined> {
  if (arrivals <= 0) return undefined;
  const server = await listenLocally().catch(() => undefined);
  if (!server) return undefined;
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // An Agent, as conversation runs use, whose pool for every origin is bound to the local server: a
  // connector URL naming any host still reaches only this process.
  const dispatcher = new Agent({ factory: (_origin, options) => new Pool(local, { ...options, connections: concurrency, pipelining: 1 }) });
  const start = prepare(dispatcher);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < arrivals && performance.now() - began < MAX_WARM_UP_MS) {
      const index = next;
      next += 1;
      await start(index).catch(() => undefined);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, arrivals) }, worker));
  } finally {
    await dispatcher.destroy().catch(() => undefined);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { arrivals: next, durationMs: performance.now() - began, cpuMicros: cpu.user + cpu.system };
}

function listenLocally(): Promise<Server> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(WARM_UP_REPLY) });
      response.end(WARM_UP_REPLY);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
