import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { LoadConfig } from '../../../shared/load/config-schema';
import { loadSchema } from '../../../shared/load/config-schema';
import { runLoadCheck, writeJson } from '../../../shared/load/check';
import { formatLoadReport } from '../../../shared/load/format';
import { runLoadTest } from '../../../shared/load/run-load';
import { parseThresholdExpression, type ThresholdCheck } from '../../../shared/load/thresholds';
import { ExitCode, UsageError } from '../../../shared/errors';
import { parseDuration } from '../../../shared/util/duration';
import { parseCommandArgs } from '../args';
import type { Command } from '../io';
import { terminalLog } from '../terminal-log';

/** `rehearsal load`: raw HTTP load on one URL, or conversation load from convo files; exit 1 on a breached threshold. */
export const loadCommand: Command = {
  name: 'load',
  summary: 'Load-test a bot: raw HTTP (--url) or simulated users running conversations (--convos)',
  usage: [
    'Usage: rehearsal load --url URL --rate R|max --duration D [--connections C] [--json FILE]',
    '       rehearsal load --target URL --convos GLOB --rate R --duration D [--ramp-to R] [--connector FILE]',
    '  --rate R            arrivals per second (open model); "max" = raw closed loop at full speed',
    '  --duration D        e.g. 30s, 2m',
    '  --ramp-to R         rate at the end of the run (linear ramp)',
    '  --connections C     keep-alive connections (default 64)',
    '  --workers N         worker threads (default 1); histograms are merged exactly',
    '  --threshold EXPR    e.g. "p95 < 800ms", "p99 < 2s", "errorRate < 1%" (repeatable; overall)',
    '  --abort-after D     stop early once a threshold has been breached this long',
    '  --max-lag D         event-loop delay (p99) that marks the generator saturated (default 100ms)',
    '  --stress START:STEP:MAX  conversation mode: raise the rate step by step, report capacity',
    '  --step-duration D   duration of each stress step (default 10s)',
    '  --method M, --body TEXT, --header "Name: value"   raw mode request (default GET)',
    '  --json FILE         write the report as JSON',
    'Exit codes: 0 every threshold held; 1 a threshold breached or the generator saturated; 2 bad usage;',
    '3 the target unreachable.',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseCommandArgs('load', argv, {
      url: { type: 'string' }, target: { type: 'string' }, convos: { type: 'string', multiple: true }, connector: { type: 'string' },
      rate: { type: 'string' }, duration: { type: 'string' }, 'ramp-to': { type: 'string' }, connections: { type: 'string', default: '64' },
      workers: { type: 'string', default: '1' }, threshold: { type: 'string', multiple: true }, 'abort-after': { type: 'string' },
      stress: { type: 'string' }, 'step-duration': { type: 'string', default: '10s' }, 'max-lag': { type: 'string', default: '100ms' },
      method: { type: 'string', default: 'GET' }, body: { type: 'string' }, header: { type: 'string', multiple: true }, json: { type: 'string' },
    });
    if ((values.url === undefined) === (values.target === undefined)) throw new UsageError('rehearsal load: give either --url (raw mode) or --target with --convos (conversation mode)');
    const connections = positiveInt('connections', values.connections);
    const workers = positiveInt('workers', values.workers);
    const checks = (values.threshold ?? []).map(thresholdArg);
    const abortAfter = values['abort-after'] === undefined ? undefined : durationArg('abort-after', values['abort-after']);
    const maxLagMs = durationArg('max-lag', values['max-lag']);
    const log = terminalLog(io.stderr);
    const runId = randomUUID();
    let report;
    if (values.url !== undefined) {
      urlArg('url', values.url);
      const closedLoop = values.rate === 'max';
      const rate = closedLoop ? 1 : positiveNumber('rate', values.rate);
      const durationMs = durationArg('duration', values.duration);
      ({ report } = await runLoadTest({
        runId, target: values.url, conversations: [], workers, checks, log, ...(abortAfter === undefined ? {} : { abortAfterMs: abortAfter }),
        profile: {
          mode: 'raw', closedLoop, connections, maxLagMs,
          phases: [{ durationMs, arrivalRate: rate, ...(values['ramp-to'] === undefined ? {} : { rampTo: positiveNumber('ramp-to', values['ramp-to']) }) }],
          raw: { method: methodArg(values.method), headers: headersArg(values.header ?? []), ...(values.body === undefined ? {} : { body: values.body }) },
        },
      }));
    } else {
      const target = urlArg('target', values.target ?? '');
      if (!values.convos || values.convos.length === 0) throw new UsageError('rehearsal load: --convos is required with --target');
      const config = { ...loadConfigFromArgs(values, connections, workers, checks, abortAfter), maxEventLoopLag: maxLagMs };
      const result = await runLoadCheck(config, { target, convos: values.convos, connector: values.connector, baseDir: io.cwd }, runId, log);
      report = result.report;
      if (result.stress) {
        io.stdout.write(`stress: capacity ${result.stress.capacity} arrivals/s${result.stress.breach ? `; broke at ${result.stress.brokeAt}/s on ${result.stress.breach.check} [${result.stress.breach.scope}], slowest turn ${result.stress.breach.slowestTurn ?? '-'}` : ''}\n`);
        if (values.json !== undefined) await writeJson(path.resolve(io.cwd, values.json), { ...report, stress: { capacity: result.stress.capacity, brokeAt: result.stress.brokeAt, breach: result.stress.breach, steps: result.stress.steps.map((step) => ({ rate: step.rate, passed: step.passed, latency: step.report.latency, errorRate: step.report.errorRate })) } });
        io.stdout.write(formatLoadReport(report));
        return result.stress.capacity > 0 ? ExitCode.Passed : ExitCode.CheckFailed;
      }
    }
    if (values.json !== undefined) await writeJson(path.resolve(io.cwd, values.json), report);
    io.stdout.write(formatLoadReport(report));
    return report.passed ? ExitCode.Passed : ExitCode.CheckFailed;
  },
};

function loadConfigFromArgs(
  values: { rate?: string | undefined; duration?: string | undefined; 'ramp-to'?: string | undefined; stress?: string | undefined; 'step-duration'?: string | undefined },
  connections: number, workers: number, checks: ThresholdCheck[], abortAfter: number | undefined,
): LoadConfig {
  let stress: LoadConfig['stress'];
  if (values.stress !== undefined) {
    const [startRate, step, maxRate] = values.stress.split(':').map(Number);
    if (![startRate, step, maxRate].every((value) => value !== undefined && Number.isFinite(value) && value > 0)) throw new UsageError(`rehearsal load: --stress ${JSON.stringify(values.stress)} must be START:STEP:MAX, e.g. 10:10:200`);
    stress = { startRate: startRate as number, step: step as number, maxRate: maxRate as number, stepDuration: durationArg('step-duration', values['step-duration']) };
  }
  const rate = stress ? stress.startRate : positiveNumber('rate', values.rate);
  const duration = stress ? stress.stepDuration : durationArg('duration', values.duration);
  return loadSchema.parse({
    phases: [{ duration, arrivalRate: rate, ...(values['ramp-to'] === undefined ? {} : { rampTo: positiveNumber('ramp-to', values['ramp-to']) }) }],
    connections, workers, ...(stress ? { stress } : {}),
    thresholds: { checks: checks.map((check) => check.source), ...(abortAfter === undefined ? {} : { abortAfter }) },
  });
}

function thresholdArg(text: string): ThresholdCheck {
  const parsed = parseThresholdExpression(text);
  if (typeof parsed === 'string') throw new UsageError(`rehearsal load: --threshold: ${parsed}`);
  return { ...parsed, source: text.trim(), scope: {} };
}

function positiveInt(name: string, value: string | undefined): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`rehearsal load: --${name} must be a positive integer, got ${JSON.stringify(value ?? '')}`);
  return number;
}

function positiveNumber(name: string, value: string | undefined): number {
  const number = Number(value);
  if (value === undefined || !Number.isFinite(number) || number <= 0) throw new UsageError(`rehearsal load: --${name} must be a positive number${name === 'rate' ? ' or "max"' : ''}, got ${JSON.stringify(value ?? '')}`);
  return number;
}

function durationArg(name: string, value: string | undefined): number {
  const ms = value === undefined ? undefined : parseDuration(value);
  if (ms === undefined || ms <= 0) throw new UsageError(`rehearsal load: --${name} must be a duration such as 30s or 2m, got ${JSON.stringify(value ?? '')}`);
  return ms;
}

function urlArg(name: string, value: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new UsageError(`rehearsal load: --${name} ${JSON.stringify(value)} is not an http(s) URL`);
  return value;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
function methodArg(value: string | undefined): (typeof METHODS)[number] {
  const upper = (value ?? 'GET').toUpperCase();
  if (!(METHODS as readonly string[]).includes(upper)) throw new UsageError(`rehearsal load: --method must be one of ${METHODS.join(', ')}, got ${JSON.stringify(value)}`);
  return upper as (typeof METHODS)[number];
}

function headersArg(lines: readonly string[]): Record<string, string> {
  return Object.fromEntries(lines.map((line) => {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new UsageError(`rehearsal load: --header ${JSON.stringify(line)} must look like "Name: value"`);
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  }));
}
