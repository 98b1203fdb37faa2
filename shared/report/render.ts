import type { RunReport } from '../pipeline/report';
import type { ReportExtras } from './extras';
import { escapeHtml } from './html';
import { conversationsSection, latencySection, metricsSection, stagingErrorsSection, throughputSection } from './sections-checks';
import { coverageSection, paritySection, timelineSection, verdictSection } from './sections-run';
import { REPORT_CSS } from './style';

/**
 * Renders the run report as one self-contained HTML page: inline CSS and SVG, no script, no external
 * font, image or link, so it opens the same from S3, a CI artifact or a laptop. The verdict comes
 * first. Other phases' details are read leniently: an unexpected shape shows as a short note, never as
 * an exception. Everything from the run is escaped; no secret value is ever in the inputs.
 */
export function renderReportHtml(report: RunReport, extras: ReportExtras = {}): string {
  const sections = [
    timelineSection(report),
    coverageSection(report),
    paritySection(report),
    conversationsSection(report),
    latencySection(extras),
    throughputSection(report),
    stagingErrorsSection(extras),
    metricsSection(extras),
  ];
  const toc = [['phases', 'Phases'], ['coverage', 'Anonymization'], ['parity', 'Parity'], ['conversations', 'Conversations'], ['latency', 'Latency'], ['throughput', 'Throughput'], ['staging-errors', 'Staging errors'], ['metrics', 'Metrics']]
    .map(([id, label]) => `<a href="#${id}">${label}</a>`).join(' · ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>rehearsal ${escapeHtml(report.status)}: ${escapeHtml(report.bot)} ${escapeHtml(report.startedAt)}</title>
<link rel="icon" href="data:,">
<style>${REPORT_CSS}</style>
</head>
<body>
${verdictSection(report)}
<nav>${toc}</nav>
<main>
${sections.join('\n')}
</main>
<footer>rehearsal run ${escapeHtml(report.runId)} · finished ${escapeHtml(report.finishedAt)}</footer>
</body>
</html>
`;
}
