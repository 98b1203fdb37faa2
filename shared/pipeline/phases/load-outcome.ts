import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadReport } from '../../load/report';
import type { StressReport } from '../../load/stress';
import { formatActual } from '../../load/thresholds';
import type { RunContext } from '../context';
import { outcome, type PhaseOutcome } from '../outcome';

/*
 * The load phase's result from its report, apart from running the load: the AWS merge step imports
 * this without the conversation loading and HTTP client the load itself needs.
 */

/** Writes `load.json` into the run's output folder (stress steps summarised, each with its timeline). */
export async function writeLoadJson(ctx: Pick<RunContext, 'outDir'>, report: LoadReport, stress?: StressReport): Promise<void> {
  const file = path.join(ctx.outDir, 'load.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(stress ? { ...report, stress: { ...stress, steps: stress.steps.map(({ rate, passed, report: step }) => ({ rate, passed, latency: step.latency, errorRate: step.errorRate, throughput: step.throughput, ...(step.timeline ? { timeline: step.timeline } : {}) })) } } : report, null, 2)}\n`);
}

/**
 * The load phase's outcome from its report, the same whether the load ran in this process or was
 * fanned out over worker Lambdas and merged: figures, details and the verdict. `details.timeline` is
 * the throughput over time the run report charts (`[{ t, requests, errors }]`, one point per second,
 * `t` epoch ms); in stress mode, the steps' timelines one after another.
 */
export function loadOutcome(report: LoadReport, stress?: StressReport): PhaseOutcome {
  const figures = {
    requests: report.requests, errors: report.errors, errorRate: report.errorRate, throughput: report.throughput,
    p50Ms: report.latency.p50, p95Ms: report.latency.p95, p99Ms: report.latency.p99, serviceP99Ms: report.serviceTime.p99,
    lateArrivals: report.arrivals.late, droppedArrivals: report.arrivals.dropped, valid: report.valid,
    ...(stress ? { capacity: stress.capacity } : {}),
  };
  const timeline = stress ? stress.steps.flatMap((step) => step.report.timeline ?? []) : report.timeline;
  const details = {
    thresholds: report.thresholds, invalidReasons: report.invalidReasons, ...(report.aborted ? { aborted: report.aborted } : {}), ...(stress ? { breach: stress.breach } : {}),
    ...(timeline && timeline.length > 0 ? { timeline } : {}),
  };
  if (stress) {
    const summary = `capacity ${stress.capacity} arrivals/s${stress.breach ? `; broke at ${stress.brokeAt}/s on ${stress.breach.check} (${stress.breach.scope})` : ''}`;
    return stress.capacity > 0 ? outcome.passed(summary, figures, details) : outcome.failed(summary, figures, details);
  }
  if (report.passed) return outcome.passed(`${report.requests} turns at ${report.throughput}/s, p95 ${report.latency.p95} ms, errors ${(report.errorRate * 100).toFixed(2)}%`, figures, details);
  const breached = report.thresholds.filter((result) => !result.passed).map((result) => `${result.check} (${result.scope}: ${formatActual(result)})`);
  const reasons = [...breached, ...report.invalidReasons, ...(report.aborted ? [report.aborted] : [])];
  return outcome.failed(`load check failed: ${reasons.join('; ')}`, figures, details);
}
