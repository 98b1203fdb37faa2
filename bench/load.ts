/**
 * The load benchmark (issue 5): throughput against autocannon and the correctness figures, one run,
 * machine-readable JSON with ratios against baselines measured in the same run.
 *
 *   npx tsx bench/load.ts [--quick] [--out bench/load.json] [--only raw,conversations,engine,fixed,stall,merge,recording]
 *
 * `--only` runs the named sections alone (quicker while tuning one); `recording` without `raw` takes
 * the request rate from `--at-rps` (default: the last full run's figure in bench/load.json).
 *
 * The target server runs in its own process pinned to core 1 and every generator in its own process
 * pinned to core 0 (taskset), so "the generator on one core" holds. The machine's cores are shared
 * with whatever else runs, so absolute figures are noisy; the ratios are what to read.
 *
 * Conversations: open-model runs (conversations, and raw mode at a fixed rate) warm the generator's
 * code up against a server inside its own process before the schedule starts (shared/load/warm-up.ts;
 * nothing is sent to the target, nothing recorded). Each step reports `cpuMicrosPerTurn` as before
 * (every CPU microsecond of the generator process over the run, warm-up included, per turn), beside
 * `scheduleCpuMicrosPerTurn` (the same without the warm-up) and the warm-up's own figures;
 * `marginalCpuMicrosPerTurn` is computed from the schedule's CPU (a warm-up grows with the rate, so it
 * would not cancel out). `targetCpuMicrosPerTurn` and `targetBusy` (the target process's CPU over the
 * step, per turn and as a share of the step's wall time, from /proc) show when the target, or whatever
 * else shares its core, is what holds the rate back; `otherCores` is the CPU the rest of the machine
 * used during the step (from /proc/stat), in cores: a step run beside other work reads high there.
 * The `*AtBest` figures are those of the valid step with the most turns per second (before: the last
 * valid step, the same step whenever throughput rose with the rate). Validity is the engine's own
 * rule, unchanged: a step counts only when the run was not marked invalid (event-loop delay p99 above
 * 100 ms, or more than 1% of arrivals sent over 100 ms late).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { mergeLoadResults } from '../shared/load/distributed';
import { decodeHistogram, encodeHistogram, newLatencyHistogram, recordMs, summarize } from '../shared/load/histograms';
import { LoadMeasurement } from '../shared/load/measurement';
import { Timeline } from '../shared/load/timeline';

const ROOT = path.resolve(__dirname, '..');
const SECTIONS = ['raw', 'conversations', 'engine', 'fixed', 'stall', 'merge', 'recording'] as const;
const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, only: { type: 'string' }, 'at-rps': { type: 'string' } } });
const only = new Set((args.only ?? SECTIONS.join(',')).split(',').map((name) => name.trim()));
for (const name of only) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only: unknown section ${name}, expected some of ${SECTIONS.join(',')}`);
const seconds = (full: number) => (args.quick ? Math.max(2, Math.round(full / 3)) : full) * 1000;

function pinned(core: number, file: string, argument: unknown): ChildProcess {
  return spawn('taskset', ['-c', String(core), process.execPath, '--import', 'tsx', path.join(ROOT, file), JSON.stringify(argument)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error('no stdout'));
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(line));
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before printing`)));
  });
}

/** Starts a target server process and returns its URL, a stop function and its CPU time so far. */
async function target(options: Record<string, number>): Promise<{ url: string; stop: () => void; cpuMicros: () => Promise<number | undefined> }> {
  const child = pinned(1, 'bench/load-target.ts', options);
  const { port } = JSON.parse(await firstLine(child)) as { port: number };
  return { url: `http://127.0.0.1:${port}/chat`, stop: () => child.kill('SIGTERM'), cpuMicros: () => processCpuMicros(child.pid) };
}

/** CPU time all processes of the machine have used, microseconds, from /proc/stat (Linux); undefined elsewhere. */
async function machineCpuMicros(): Promise<number | undefined> {
  try {
    const fields = (await readFile('/proc/stat', 'utf8')).split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    // user nice system (idle iowait) irq softirq steal: everything but idle and iowait.
    const busy = [0, 1, 2, 5, 6, 7].reduce((sum, index) => sum + (fields[index] ?? 0), 0);
    return Number.isFinite(busy) ? (busy * 1e6) / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** A process's user + system CPU time in microseconds, from /proc (Linux); undefined elsewhere. */
async function processCpuMicros(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which is in parentheses): utime and stime are the 12th and 13th.
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs one generator scenario in its own pinned process and returns its JSON. */
async function generate<T>(scenario: Record<string, unknown>): Promise<T> {
  return JSON.parse(await firstLine(pinned(0, 'bench/load-generator.ts', scenario))) as T;
}

interface RawResult { processCpuMicros: number; requests: number; errors: number; rps: number; response: ReturnType<typeof summarize>; service: ReturnType<typeof summarize>; invalid: string[]; maxLagMs: number; arrivals: unknown }
interface CannonResult { requests: number; errors: number; rps: number; latency: { p50: number; p90: number; p99: number; max: number } }
interface ConvResult { cpuMicrosPerRequest: number; scheduleCpuMicrosPerRequest: number; processCpuMicros: number; warmUp?: { arrivals: number; durationMs: number; cpuMicros: number }; turns: number; errors: number; turnsPerSecond: number; response: ReturnType<typeof summarize>; service: ReturnType<typeof summarize>; invalid: string[]; maxLagMs: number; arrivals: { launched: number } }

async function throughput(connections: number) {
  const server = await target({});
  try {
    const rounds: Array<{ rehearsal: number; autocannon: number }> = [];
    for (let round = 0; round < 2; round += 1) {
      const cannon = await generate<CannonResult>({ tool: 'autocannon', url: server.url, connections, durationMs: seconds(6) });
      const ours = await generate<RawResult>({ tool: 'rehearsal-raw', url: server.url, connections, durationMs: seconds(6) });
      rounds.push({ rehearsal: Math.round(ours.rps), autocannon: Math.round(cannon.rps) });
    }
    const best = (key: 'rehearsal' | 'autocannon') => Math.max(...rounds.map((round) => round[key]));
    return { connections, rounds, rehearsalRps: best('rehearsal'), autocannonRps: best('autocannon'), ratio: round3(best('rehearsal') / best('autocannon')), target: 0.75 };
  } finally {
    server.stop();
  }
}

/**
 * Runs one generator scenario against `server` and measures, beside its JSON, the target's CPU over
 * the step and `otherCores`: cores' worth of CPU that neither the target nor the generator process
 * used meanwhile (/proc/stat), i.e. other work on this shared machine. Near 0 the step had the
 * machine to itself; at 0.5 or more something else took a good part of a core the generator or the
 * target was pinned to, and wall-clock figures of that step say more about the machine than about us.
 */
async function observed<T extends { processCpuMicros: number }>(server: Awaited<ReturnType<typeof target>>, scenario: Record<string, unknown>) {
  const [targetBefore, machineBefore] = [await server.cpuMicros(), await machineCpuMicros()];
  const started = performance.now();
  const result = await generate<T>(scenario);
  const [targetAfter, machineAfter] = [await server.cpuMicros(), await machineCpuMicros()];
  const stepMicros = (performance.now() - started) * 1000;
  const targetCpu = targetBefore === undefined || targetAfter === undefined ? undefined : targetAfter - targetBefore;
  const otherCores = targetCpu === undefined || machineBefore === undefined || machineAfter === undefined || stepMicros === 0 ? undefined
    : round3((machineAfter - machineBefore - targetCpu - result.processCpuMicros) / stepMicros);
  return { result, targetCpu, otherCores };
}

async function conversationThroughput() {
  const server = await target({});
  try {
    // Baseline in the same run: raw POSTs of the same JSON body, closed loop, same connections.
    const { result: baseline, otherCores: baselineOtherCores } = await observed<RawResult>(server, {
      tool: 'rehearsal-raw', url: server.url, connections: 64, durationMs: seconds(4),
      method: 'POST', body: JSON.stringify({ conversationId: 'bench-conversation-0001', text: 'turn 1' }),
    });
    const steps: Array<{
      arrivalRate: number; turnsPerSecond: number; valid: boolean; invalid: string[]; arrivals: { launched: number }; p99Ms: number; serviceP99Ms: number; maxLagMs: number;
      cpuMicrosPerTurn: number; scheduleCpuMicrosPerTurn: number; warmUp: ConvResult['warmUp']; targetCpuMicrosPerTurn: number | undefined; targetBusy: number | undefined;
      otherCores: number | undefined;
    }> = [];
    for (const rate of [1000, 2000, 4000, 6000, 8000, 10_000, 12_000]) {
      const { result, targetCpu, otherCores } = await observed<ConvResult>(server, { tool: 'rehearsal-conversations', url: server.url, connections: 64, durationMs: seconds(4), rate, turns: 2 });
      // The target's CPU over the step (idle through the generator's warm-up): per turn, and as a share of the schedule's wall time.
      const wallMicros = result.turnsPerSecond > 0 ? (result.turns / result.turnsPerSecond) * 1e6 : 0;
      steps.push({
        arrivalRate: rate, turnsPerSecond: Math.round(result.turnsPerSecond), valid: result.invalid.length === 0, invalid: result.invalid, arrivals: result.arrivals,
        p99Ms: result.response.p99, serviceP99Ms: result.service.p99, maxLagMs: result.maxLagMs, cpuMicrosPerTurn: result.cpuMicrosPerRequest,
        scheduleCpuMicrosPerTurn: result.scheduleCpuMicrosPerRequest, warmUp: result.warmUp && { ...result.warmUp, durationMs: Math.round(result.warmUp.durationMs) },
        targetCpuMicrosPerTurn: targetCpu === undefined || result.turns === 0 ? undefined : round3(targetCpu / result.turns),
        targetBusy: targetCpu === undefined || wallMicros === 0 ? undefined : round3(targetCpu / wallMicros),
        otherCores,
      });
      if (result.invalid.length > 0) break;
    }
    const valid = steps.filter((step) => step.valid);
    const best = Math.max(0, ...valid.map((step) => step.turnsPerSecond));
    // CPU time per turn at the valid step with the most turns per second: 1e6 / it is what one free core could sustain.
    const busiest = valid.find((step) => step.turnsPerSecond === best);
    // The extra CPU per extra turn between the first and the last step: start-up work (module loading,
    // JIT, connections) cancels out, so this is the cost a turn adds at load. From the schedule's CPU:
    // the warm-up's size grows with the rate, so it would not cancel out.
    const [first, last] = [steps[0], steps.at(-1)];
    const turnsOf = (step: (typeof steps)[number]) => step.arrivals.launched * 2;
    const marginal = first && last && turnsOf(last) > turnsOf(first)
      ? (last.scheduleCpuMicrosPerTurn * turnsOf(last) - first.scheduleCpuMicrosPerTurn * turnsOf(first)) / (turnsOf(last) - turnsOf(first)) : undefined;
    return {
      turnsPerConversation: 2, steps, bestValidTurnsPerSecond: best, rawPostBaselineRps: Math.round(baseline.rps), rawPostBaselineOtherCores: baselineOtherCores,
      ratioToRawPost: round3(best / baseline.rps), aimPerCore: 20_000,
      cpuMicrosPerTurnAtBest: busiest?.cpuMicrosPerTurn, turnsPerCpuSecondAtBest: busiest && busiest.cpuMicrosPerTurn > 0 ? Math.round(1e6 / busiest.cpuMicrosPerTurn) : undefined,
      scheduleCpuMicrosPerTurnAtBest: busiest?.scheduleCpuMicrosPerTurn,
      turnsPerScheduleCpuSecondAtBest: busiest && busiest.scheduleCpuMicrosPerTurn > 0 ? Math.round(1e6 / busiest.scheduleCpuMicrosPerTurn) : undefined,
      marginalCpuMicrosPerTurn: marginal === undefined ? undefined : round3(marginal),
      turnsPerCpuSecondMarginal: marginal !== undefined && marginal > 0 ? Math.round(1e6 / marginal) : undefined,
    };
  } finally {
    server.stop();
  }
}

/**
 * The generator's own CPU per turn with the network taken out (bench/load-inprocess.ts), against raw
 * mode's own CPU per request in the same process: the part of a turn rehearsal's code decides.
 */
async function engineOverhead() {
  const result = JSON.parse(await firstLine(pinned(0, 'bench/load-inprocess.ts', { rate: 10_000, durationMs: seconds(3), rounds: 5 }))) as Record<string, unknown>;
  return { ...result, note: 'in-process dispatcher answering on the next loop turn: no sockets, no HTTP client' };
}

async function fixedLatency() {
  const server = await target({ delayMs: 50 });
  try {
    const ours = await generate<RawResult>({ tool: 'rehearsal-raw', url: server.url, connections: 64, durationMs: seconds(10), rate: 100 });
    const cannon = await generate<CannonResult>({ tool: 'autocannon', url: server.url, connections: 10, durationMs: seconds(10), rate: 100 });
    return {
      server: 'fixed 50 ms', rate: 100, rehearsalP50Ms: ours.response.p50, rehearsalServiceP50Ms: ours.service.p50, rehearsalP99Ms: ours.response.p99,
      withinTolerance: Math.abs(ours.response.p50 - 50) <= 2, autocannonP50Ms: cannon.latency.p50, requests: ours.requests, valid: ours.invalid.length === 0,
    };
  } finally {
    server.stop();
  }
}

async function stall() {
  const durationMs = seconds(10);
  const server = await target({ stallAtMs: durationMs / 2, stallMs: 1000 });
  let ours: RawResult;
  try {
    // 20 connections: plenty at 1000/s for sub-ms replies; only the 20 requests caught on the wire by the freeze have long service times.
    ours = await generate<RawResult>({ tool: 'rehearsal-raw', url: server.url, connections: 20, durationMs, rate: 1000 });
  } finally {
    server.stop();
  }
  const server2 = await target({ stallAtMs: durationMs / 2, stallMs: 1000 });
  let cannon: CannonResult;
  try {
    cannon = await generate<CannonResult>({ tool: 'autocannon', url: server2.url, connections: 20, durationMs, rate: 1000 });
  } finally {
    server2.stop();
  }
  // With a 1 s freeze in a 10 s run at a constant rate, 10% of arrivals wait 0..1000 ms: the top 1% waits ~900 ms.
  const expectedP99 = 1000 * (1 - (0.01 * (durationMs / 1000)));
  return {
    rate: 1000, durationMs, stallMs: 1000, requests: ours.requests,
    responseP99Ms: ours.response.p99, expectedResponseP99Ms: expectedP99, responseP99Ratio: round3(ours.response.p99 / expectedP99), tolerance: '0.9-1.1',
    serviceP99Ms: ours.service.p99, serviceP50Ms: ours.service.p50, valid: ours.invalid.length === 0, invalid: ours.invalid, maxLagMs: ours.maxLagMs,
    autocannonP99Ms: cannon.latency.p99,
  };
}

/** 8 workers' encoded histograms merged versus one histogram of every sample, through JSON. */
function merge() {
  let state = 42;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const single = new LoadMeasurement();
  const workers = Array.from({ length: 8 }, () => new LoadMeasurement());
  const samples = args.quick ? 200_000 : 1_000_000;
  for (let index = 0; index < samples; index += 1) {
    // Log-normal-ish replies with a stalled tail: what real load looks like.
    const ms = Math.exp(3 + 0.6 * Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random())) + (random() < 0.02 ? 800 * random() : 0);
    single.record('c', 1, ms, ms);
    workers[index % 8]?.record('c', 1, ms, ms);
  }
  const merged = mergeLoadResults(workers.map((worker, index) => JSON.parse(JSON.stringify(worker.toResult(index, 8))) as unknown));
  const mergedSummary = summarize(decodeHistogram(merged.series[0]?.response ?? ''));
  // The single histogram goes through the same encoding a worker's does: min and max are then both
  // reported at bucket resolution, so everything must be equal, not only the percentiles.
  const singleSummary = summarize(decodeHistogram(single.toResult().series[0]?.response ?? ''));
  const rawSingle = summarize(single.seriesFor('c', 1).response);
  const percentileKeys = ['count', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999'] as const;
  const encodedBytes = Math.max(...workers.map((worker) => worker.toResult().series[0]?.response.length ?? 0));
  return {
    samples, workers: 8, identical: JSON.stringify(mergedSummary) === JSON.stringify(singleSummary),
    percentilesEqualUnencodedSingle: percentileKeys.every((key) => mergedSummary[key] === rawSingle[key]),
    single: singleSummary, merged: mergedSummary, largestEncodedHistogramChars: encodedBytes,
  };
}

/**
 * Cost of recording one request (two histograms, counters and the per-second timeline, completion times
 * passed in as the engine does), against the raw throughput measured. Baseline in the same run: the
 * same values recorded straight into HdrHistograms one `recordValue` at a time; the two must end with
 * identical histograms. Rounds alternate and the median counts, as the machine is shared.
 */
function recordingOverhead(rehearsalRps: number) {
  const count = 2_000_000;
  const origin = performance.now();
  const responseMs = (index: number) => (index % 5000) / 10;
  const serviceMs = (index: number) => (index % 4000) / 10;
  const timed = (record: (index: number) => void): number => {
    for (let index = 0; index < 100_000; index += 1) record(index);
    const started = performance.now();
    for (let index = 0; index < count; index += 1) record(index);
    return ((performance.now() - started) * 1e6) / count;
  };
  const rounds: Array<{ nsPerRecord: number; directNsPerRecord: number }> = [];
  let identical = true;
  for (let round = 0; round < 5; round += 1) {
    const measurement = new LoadMeasurement();
    measurement.markStart(origin);
    const nsPerRecord = timed((index) => measurement.record('raw', 1, responseMs(index), serviceMs(index), undefined, undefined, origin + index / 100));
    const direct = { response: newLatencyHistogram(), service: newLatencyHistogram(), timeline: new Timeline(origin) };
    const directNsPerRecord = timed((index) => {
      direct.timeline.count(origin + index / 100, false);
      recordMs(direct.response, responseMs(index));
      recordMs(direct.service, serviceMs(index));
    });
    rounds.push({ nsPerRecord: round3(nsPerRecord), directNsPerRecord: round3(directNsPerRecord) });
    const series = measurement.seriesFor('raw', 1);
    identical &&= encodeHistogram(series.response) === encodeHistogram(direct.response) && encodeHistogram(series.service) === encodeHistogram(direct.service)
      && JSON.stringify([summarize(series.response), summarize(series.service)]) === JSON.stringify([summarize(direct.response), summarize(direct.service)]);
  }
  const nsPerRecord = median(rounds.map((round) => round.nsPerRecord));
  const directNsPerRecord = median(rounds.map((round) => round.directNsPerRecord));
  return {
    rounds, nsPerRecord, directNsPerRecord, ratioToDirect: round3(nsPerRecord / directNsPerRecord), identicalToDirect: identical,
    atRps: rehearsalRps, percentOfOneCore: round3((nsPerRecord * rehearsalRps) / 1e7), directPercentOfOneCore: round3((directNsPerRecord * rehearsalRps) / 1e7), target: '< 2%',
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : round3(((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

async function main(): Promise<void> {
  const started = Date.now();
  const raw = only.has('raw') ? await throughput(10) : undefined;
  const conversations = only.has('conversations') ? await conversationThroughput() : undefined;
  const engine = only.has('engine') ? await engineOverhead() : undefined;
  const fixed = only.has('fixed') ? await fixedLatency() : undefined;
  const stalled = only.has('stall') ? await stall() : undefined;
  const merged = only.has('merge') ? merge() : undefined;
  const overhead = only.has('recording') ? recordingOverhead(raw?.rehearsalRps ?? await lastRawRps()) : undefined;
  const result = {
    bench: 'load', node: process.version, cores: 'generator pinned to core 0, target to core 1 (shared machine)', quick: args.quick,
    ...(only.size < SECTIONS.length ? { only: [...only] } : {}),
    rawThroughput: raw, conversationThroughput: conversations, engineOverhead: engine, fixedLatency: fixed, stall: stalled, merge: merged, recordingOverhead: overhead,
    verdicts: {
      rawAtLeast075xAutocannon: raw && raw.ratio >= 0.75,
      conversationTurnsPerCoreAtLeast20k: conversations && conversations.bestValidTurnsPerSecond >= 20_000,
      fixed50msP50Within2ms: fixed?.withinTolerance,
      stallP99Within10Percent: stalled && stalled.responseP99Ratio >= 0.9 && stalled.responseP99Ratio <= 1.1,
      serviceP99NearNormal: stalled && stalled.serviceP99Ms < 50,
      mergeIdentical: merged?.identical,
      recordingUnder2Percent: overhead && overhead.percentOfOneCore < 2,
    },
    totalMs: Date.now() - started,
  };
  const text = `${JSON.stringify(result, null, 2)}\n`;
  process.stdout.write(text);
  if (args.out) await writeFile(path.resolve(args.out), text);
}

/** The raw rate to weigh recording against when the raw section is skipped. */
async function lastRawRps(): Promise<number> {
  if (args['at-rps'] !== undefined) return Number(args['at-rps']);
  const last = JSON.parse(await readFile(path.join(ROOT, 'bench/load.json'), 'utf8')) as { rawThroughput?: { rehearsalRps?: number } };
  return last.rawThroughput?.rehearsalRps ?? 50_000;
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
