import type { LoadReport } from './report';
import { formatActual } from './thresholds';

/** A few lines for a person: throughput, latency from intended start and from send, thresholds, validity. */
export function formatLoadReport(report: LoadReport): string {
  const { latency: l, serviceTime: s, arrivals: a } = report;
  const lines = [
    `${report.mode} load on ${report.target}: ${report.requests} ${report.mode === 'raw' ? 'requests' : 'turns'} in ${(report.durationMs / 1000).toFixed(1)} s = ${report.throughput}/s, errors ${report.errors} (${(report.errorRate * 100).toFixed(2)}%)`,
    `  response time (from intended start): p50 ${l.p50} ms  p90 ${l.p90}  p95 ${l.p95}  p99 ${l.p99}  max ${l.max}`,
    `  service time (from send):            p50 ${s.p50} ms  p90 ${s.p90}  p95 ${s.p95}  p99 ${s.p99}  max ${s.max}`,
    ...(report.firstToken ? [`  time to first token:                 p50 ${report.firstToken.p50} ms  p95 ${report.firstToken.p95}  p99 ${report.firstToken.p99}`] : []),
    `  arrivals: ${a.scheduled} scheduled, ${a.launched} launched, ${a.late} late, ${a.dropped} dropped; event-loop lag max ${report.eventLoopMaxLagMs} ms`,
    ...Object.entries(report.errorKinds).map(([kind, count]) => `  errors of kind ${kind}: ${count}`),
    ...(report.mode === 'conversations' ? report.conversations.flatMap((conversation) => [
      `  ${conversation.name}: ${conversation.requests} turns, errors ${conversation.errors}, p95 ${conversation.latency.p95} ms`,
      ...conversation.turns.map((turn) => `    turn ${turn.turn}: p50 ${turn.latency.p50} ms  p95 ${turn.latency.p95}  p99 ${turn.latency.p99}  (service p99 ${turn.serviceTime.p99})  errors ${turn.errors}/${turn.requests}${turn.firstToken ? `  first token p95 ${turn.firstToken.p95}` : ''}`),
    ]) : []),
    ...report.thresholds.map((result) => `  ${result.passed ? 'ok  ' : 'FAIL'} ${result.check} [${result.scope}]: ${formatActual(result)}`),
    ...report.invalidReasons.map((reason) => `  INVALID: ${reason}`),
    ...(report.aborted ? [`  ABORTED: ${report.aborted}`] : []),
    report.passed ? 'PASSED' : 'FAILED',
    '',
  ];
  return lines.join('\n');
}
