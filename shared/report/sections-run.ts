import type { RunReport } from '../pipeline/report';
import { badge, empty, escapeHtml, formatMs, section, table } from './html';
import { readCoverage, readParity } from './readers';
import { timeline } from './svg';

/** The verdict first: passed or failed, which phases failed, what happened to staging. */
export function verdictSection(report: RunReport): string {
  const failed = report.phases.filter((phase) => phase.status === 'failed');
  const lines = failed.map((phase) => `<li><strong>${escapeHtml(phase.name)}</strong>: ${escapeHtml(phase.error ? `${phase.error.name}: ${phase.error.message}` : phase.summary)}</li>`);
  return `<header class="verdict ${report.status}">
<h1>${report.status === 'passed' ? 'PASSED' : 'FAILED'}</h1>
<p>Rehearsal of <strong>${escapeHtml(report.bot)}</strong> (${escapeHtml(report.environment)}), run <code>${escapeHtml(report.runId)}</code>, started ${escapeHtml(report.startedAt)}, took ${escapeHtml(formatMs(report.durationMs))}, exit code ${escapeHtml(report.exitCode)}.</p>
<p>Staging: <strong>${escapeHtml(report.settlement.action)}</strong> (${escapeHtml(report.settlement.detail)}).</p>
${lines.length > 0 ? `<ul class="failures">${lines.join('')}</ul>` : ''}
</header>`;
}

/** The phase timeline (bars in run order) and one row per phase with its figures. */
export function timelineSection(report: RunReport): string {
  const ran = report.phases.filter((phase) => phase.status !== 'not-run');
  const chart = ran.length > 0 ? timeline(ran.map((phase) => ({ label: phase.name, durationMs: phase.durationMs, status: phase.status }))) : '';
  const rows = report.phases.map((phase) => [
    phase.name,
    badge(phase.status),
    phase.status === 'not-run' ? '' : formatMs(phase.durationMs),
    phase.attempts > 1 ? phase.attempts : '',
    phase.summary,
    Object.entries(phase.figures).map(([key, value]) => `${key}=${String(value)}`).join(', '),
  ]);
  return section('phases', 'Phase timeline', `${chart}\n${table(['phase', 'status', 'duration', 'attempts', 'summary', 'figures'], rows)}`);
}

/** Anonymization coverage per table, from the anonymize phase's details. */
export function coverageSection(report: RunReport): string {
  const phase = report.phases.find((candidate) => candidate.name === 'anonymize');
  const coverage = readCoverage(phase?.details);
  if (!coverage) return section('coverage', 'Anonymization coverage', empty(phase ? `anonymize: ${phase.status}, ${phase.summary}` : 'anonymize did not run'));
  const columns = [...new Set(coverage.flatMap((row) => Object.keys(row.fields)))];
  const rows = coverage.map((row) => [row.table, ...columns.map((column) => row.fields[column])]);
  return section('coverage', 'Anonymization coverage', table(['table', ...columns], rows));
}

/** The parity table: every drifting key, values only for copy and override keys, fingerprints otherwise. */
export function paritySection(report: RunReport): string {
  const phase = report.phases.find((candidate) => candidate.name === 'reconcile');
  const parity = readParity(phase?.details);
  if (!parity) return section('parity', 'Config and secrets parity', empty(phase ? `reconcile: ${phase.status}, ${phase.summary}` : 'reconcile did not run'));
  const drift = parity.drift.length === 0
    ? '<p>Every key is in policy; no staging secret equals production\'s.</p>'
    : table(['key', 'kind', 'policy', 'production', 'staging', 'expected'], parity.drift.map((entry) => [
      entry.key, { html: `<span class="kind ${escapeHtml(entry.kind)}">${escapeHtml(entry.kind)}</span>` }, entry.action, entry.production, entry.staging, entry.expected,
    ]));
  const probes = parity.probes.length === 0 ? '' : `<h3>Key probes</h3>${table(['key', 'url', 'status', 'HTTP'], parity.probes.map((probe) => [probe.key, probe.url, badge(probe.status), probe.httpStatus]))}`;
  const warnings = parity.warnings.map((warning) => `<p class="warning">${escapeHtml(warning)}</p>`).join('');
  return section('parity', 'Config and secrets parity', `${drift}${probes}${warnings}`);
}
