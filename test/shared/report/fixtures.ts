import type { PhaseResult, RunReport } from '../../../shared/pipeline/report';
import { PHASE_NAMES } from '../../../shared/pipeline/report';
import { MetricsRecorder } from '../../../shared/metrics/recorder';
import type { ReportExtras } from '../../../shared/report/extras';

/** A phase result; details and status overridable. */
export function makePhase(name: PhaseResult['name'], overrides: Partial<PhaseResult> = {}): PhaseResult {
  return { name, status: 'passed', summary: `${name} done`, durationMs: 1000, attempts: 1, figures: {}, ...overrides };
}

/** A failed run whose phases carry details of the shapes the report reads. */
export function makeRunReport(overrides: Partial<RunReport> = {}, phases: Partial<Record<PhaseResult['name'], Partial<PhaseResult>>> = {}): RunReport {
  const defaults: Partial<Record<PhaseResult['name'], Partial<PhaseResult>>> = {
    anonymize: { figures: { rows: 1200 }, details: { tables: [{ table: 'public.users', rows: 200, masked: 3, kept: 2 }, { table: 'public.messages', rows: 1000, masked: 1, kept: 4 }] } },
    reconcile: {
      status: 'failed', summary: "config drift: 1 secret(s) equal to production's",
      details: { drift: [{ key: 'OPENAI_API_KEY', kind: 'leakedSecret', action: 'mustDiffer', production: 'fp:0123456789ab', staging: 'fp:0123456789ab' }, { key: 'DB_PORT', kind: 'differs', action: 'copy', production: '5432', staging: '6432' }], probes: [], warnings: [] },
    },
    converse: {
      status: 'failed', summary: '1 of 2 conversations failed',
      details: { conversations: [
        { name: 'order-status', passed: true, turns: [] },
        { name: 'email-on-file', passed: false, turns: [{ user: 'what email do you have?', bot: 'It is <b>jane@example.com</b>', latencyMs: 12, failure: 'reply must not contain a real address' }] },
      ] },
    },
    load: { details: { timeline: [{ t: 1_700_000_000_000, requests: 10, errors: 0 }, { t: 1_700_000_001_000, requests: 12, errors: 1 }] } },
  };
  return {
    runId: 'run-42', status: 'failed', exitCode: 1, startedAt: '2026-01-01T10:00:00.000Z', finishedAt: '2026-01-01T10:01:00.000Z', durationMs: 60_000,
    bot: 'support-bot', environment: 'staging',
    phases: PHASE_NAMES.map((name) => makePhase(name, { ...defaults[name], ...phases[name] })),
    settlement: { action: 'rolled-back', detail: 'staging rolled back to the database it was before this run' },
    ...overrides,
  };
}

/** Extras with latency distributions, resources and staging errors. */
export function makeExtras(): ReportExtras {
  const metrics = new MetricsRecorder({ Environment: 'staging', Bot: 'support-bot' }, () => 1_700_000_000_000);
  metrics.addDistribution('ResponseTime', [5, 10, 20, 80], [50, 30, 15, 5], 'Milliseconds');
  metrics.addDistribution('TurnLatency', [4, 6], [1, 1], 'Milliseconds', { Conversation: 'order-status', Turn: '1' });
  metrics.addDistribution('TurnLatency', [30], [1], 'Milliseconds', { Conversation: 'order-status', Turn: '2' });
  return {
    metrics: metrics.all(),
    stagingErrors: { source: 'bot.log', count: 2, lines: ['{"level":"error","msg":"<db> timeout"}'] },
    resources: [{ label: 'example bot process CPU', unit: 'Percent', points: [{ t: 1_700_000_000_000, v: 20 }, { t: 1_700_000_001_000, v: 85 }] }],
    checkWindow: { startMs: 1_700_000_000_000, endMs: 1_700_000_002_000 },
  };
}
