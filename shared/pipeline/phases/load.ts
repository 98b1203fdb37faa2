import path from 'node:path';
import { ConfigError } from '../../errors';
import { runLoadCheck, writeJson, type LoadSources } from '../../load/check';
import type { LoadConfig } from '../../load/config-schema';
import { recordLoadMetrics } from '../../load/metrics';
import type { LoadReport } from '../../load/report';
import type { StressReport } from '../../load/stress';
import { formatActual } from '../../load/thresholds';
import type { RunContext } from '../context';
import { outcome, type PhaseOutcome } from '../outcome';

/**
 * Runs the `load` section against the staging bot (target, convos and connector default to the
 * `converse` section's): an open-model load of simulated users, thresholds checked at the end. Records
 * latency distributions per conversation and turn, writes `load.json`. Skipped without a `load` section.
 */
export async function runLoad(ctx: RunContext): Promise<PhaseOutcome> {
  const config = ctx.config.load;
  if (!config) return outcome.skipped('no load section in the config');
  const { report, measurement, stress } = await runLoadCheck(config, loadSourcesOf(ctx, config), ctx.runId, ctx.log);
  if (measurement) recordLoadMetrics(measurement, ctx.metrics);
  await writeLoadJson(ctx, report, stress);
  return loadOutcome(report, stress);
}

/** The load section's target, conversations and connector, defaulting to the converse section's. */
export function loadSourcesOf(ctx: Pick<RunContext, 'config' | 'baseDir'>, config: LoadConfig): LoadSources {
  const converse = ctx.config.converse;
  const target = config.target ?? converse?.target;
  const convos = config.convos ?? converse?.convos;
  if (target === undefined || convos === undefined) {
    throw new ConfigError([{ path: 'load', message: 'load needs target and convos, or a converse section to take them from' }]);
  }
  return { target, convos, connector: config.connector ?? converse?.connector, baseDir: ctx.baseDir };
}

/** Writes `load.json` into the run's output folder (stress steps summarised). */
export async function writeLoadJson(ctx: Pick<RunContext, 'outDir'>, report: LoadReport, stress?: StressReport): Promise<void> {
  await writeJson(path.join(ctx.outDir, 'load.json'), stress ? { ...report, stress: { ...stress, steps: stress.steps.map(({ rate, passed, report: step }) => ({ rate, passed, latency: step.latency, errorRate: step.errorRate, throughput: step.throughput })) } } : report);
}

/**
 * The load phase's outcome from its report, the same whether the load ran in this process or was
 * fanned out over worker Lambdas and merged: figures, details and the verdict.
 */
export function loadOutcome(report: LoadReport, stress?: StressReport): PhaseOutcome {
  const figures = {
    requests: report.requests, errors: report.errors, errorRate: report.errorRate, throughput: report.throughput,
    p50Ms: report.latency.p50, p95Ms: report.latency.p95, p99Ms: report.latency.p99, serviceP99Ms: report.serviceTime.p99,
    lateArrivals: report.arrivals.late, droppedArrivals: report.arrivals.dropped, valid: report.valid,
    ...(stress ? { capacity: stress.capacity } : {}),
  };
  const details = { thresholds: report.thresholds, invalidReasons: report.invalidReasons, ...(report.aborted ? { aborted: report.aborted } : {}), ...(stress ? { breach: stress.breach } : {}) };
  if (stress) {
    const summary = `capacity ${stress.capacity} arrivals/s${stress.breach ? `; broke at ${stress.brokeAt}/s on ${stress.breach.check} (${stress.breach.scope})` : ''}`;
    return stress.capacity > 0 ? outcome.passed(summary, figures, details) : outcome.failed(summary, figures, details);
  }
  if (report.passed) return outcome.passed(`${report.requests} turns at ${report.throughput}/s, p95 ${report.latency.p95} ms, errors ${(report.errorRate * 100).toFixed(2)}%`, figures, details);
  const breached = report.thresholds.filter((result) => !result.passed).map((result) => `${result.check} (${result.scope}: ${formatActual(result)})`);
  const reasons = [...breached, ...report.invalidReasons, ...(report.aborted ? [report.aborted] : [])];
  return outcome.failed(`load check failed: ${reasons.join('; ')}`, figures, details);
}
