/**
 * One generator measurement of the load benchmark, run in its own process pinned to one core by
 * bench/load.ts. Prints one JSON line with the figures.
 *
 *   node --import tsx bench/load-generator.ts '<scenario JSON>'
 */
import autocannon from 'autocannon';
import type { Conversation } from '../shared/converse/model';
import { planLoadSlices } from '../shared/load/distributed';
import { runLoadSlice } from '../shared/load/engine';
import { summarize } from '../shared/load/histograms';

type Scenario =
  | { tool: 'rehearsal-raw'; url: string; connections: number; durationMs: number; rate?: number; method?: 'GET' | 'POST'; body?: string }
  | { tool: 'rehearsal-conversations'; url: string; connections: number; durationMs: number; rate: number; turns: number }
  | { tool: 'autocannon'; url: string; connections: number; durationMs: number; rate?: number };

async function rehearsalRaw(scenario: Extract<Scenario, { tool: 'rehearsal-raw' }>) {
  const [slice] = planLoadSlices({
    mode: 'raw', closedLoop: scenario.rate === undefined, connections: scenario.connections,
    phases: [{ durationMs: scenario.durationMs, arrivalRate: scenario.rate ?? 1 }],
    ...(scenario.body === undefined ? {} : { raw: { method: scenario.method ?? 'POST', headers: { 'content-type': 'application/json' }, body: scenario.body } }),
  }, 1);
  if (!slice) throw new Error('no slice');
  const measurement = await runLoadSlice(slice, { target: scenario.url, conversations: [], runId: 'bench' });
  const series = measurement.combined();
  return {
    requests: series.requests, errors: series.errors, rps: series.requests / (measurement.durationMs / 1000),
    response: summarize(series.response), service: summarize(series.service), arrivals: measurement.arrivals,
    maxLagMs: measurement.maxLagMs, invalid: measurement.invalid,
  };
}

async function rehearsalConversations(scenario: Extract<Scenario, { tool: 'rehearsal-conversations' }>) {
  const conversation: Conversation = {
    name: 'bench', tags: [], weight: 1, data: [], where: { file: 'bench' },
    turns: Array.from({ length: scenario.turns }, (_unused, index) => ({
      user: { kind: 'text' as const, text: `turn ${index + 1}` }, expect: [{ kind: 'contains' as const, values: ['ok'], mode: 'all' as const }],
      thinkMs: 0, capture: [], where: { file: 'bench' },
    })),
  };
  const [slice] = planLoadSlices({ connections: scenario.connections, phases: [{ durationMs: scenario.durationMs, arrivalRate: scenario.rate }] }, 1);
  if (!slice) throw new Error('no slice');
  const measurement = await runLoadSlice(slice, { target: scenario.url, conversations: [conversation], runId: 'bench' });
  const all = measurement.combined();
  return {
    turns: all.requests, errors: all.errors, turnsPerSecond: all.requests / (measurement.durationMs / 1000),
    response: summarize(all.response), service: summarize(all.service), arrivals: measurement.arrivals, maxLagMs: measurement.maxLagMs, invalid: measurement.invalid,
    warmUp: measurement.warmUp,
  };
}

async function runAutocannon(scenario: Extract<Scenario, { tool: 'autocannon' }>) {
  const result = await autocannon({
    url: scenario.url, connections: scenario.connections, duration: scenario.durationMs / 1000,
    ...(scenario.rate === undefined ? {} : { overallRate: scenario.rate }),
  });
  return {
    requests: result.requests.total, errors: result.errors + result.non2xx, rps: result.requests.total / (scenario.durationMs / 1000),
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  };
}

async function main(): Promise<void> {
  const scenario = JSON.parse(process.argv[2] ?? '{}') as Scenario;
  // CPU time per request does not depend on how busy the shared machine is: 1e6 / it is the rate one
  // free core could generate.
  const cpuBefore = process.cpuUsage();
  const result = scenario.tool === 'rehearsal-raw' ? await rehearsalRaw(scenario)
    : scenario.tool === 'rehearsal-conversations' ? await rehearsalConversations(scenario)
      : await runAutocannon(scenario);
  const cpu = process.cpuUsage(cpuBefore);
  const count = 'turns' in result ? result.turns : result.requests;
  const perCount = (micros: number) => (count > 0 ? Math.round((micros / count) * 100) / 100 : 0);
  const cpuMicrosPerRequest = perCount(cpu.user + cpu.system);
  // The same without the warm-up before the schedule (./shared/load/warm-up.ts): the CPU the schedule itself cost.
  const warmUpCpu = 'warmUp' in result ? (result.warmUp?.cpuMicros ?? 0) : 0;
  // And the whole process's CPU since it started (module loading included), for the bench's accounting of the machine.
  const total = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ ...result, cpuMicrosPerRequest, scheduleCpuMicrosPerRequest: perCount(cpu.user + cpu.system - warmUpCpu), processCpuMicros: total.user + total.system })}\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
