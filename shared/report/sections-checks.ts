import { METRIC } from '../metrics/catalog';
import type { MetricDatum } from '../metrics/recorder';
import type { RunReport } from '../pipeline/report';
import { histogram, mergeDistribution, percentile } from './distribution';
import type { ReportExtras } from './extras';
import { badge, empty, escapeHtml, section, table } from './html';
import { readConversations, readThroughput } from './readers';
import { barChart, formatNumber, lineChart } from './svg';

/** Failing conversations first, each with its transcript and the assertion that failed. */
export function conversationsSection(report: RunReport): string {
  const phase = report.phases.find((candidate) => candidate.name === 'converse');
  const conversations = readConversations(phase?.details);
  if (!conversations) {
    const { conversations: total, passed } = phase?.figures ?? {};
    if (typeof total === 'number' && typeof passed === 'number') {
      return section('conversations', 'Conversations', `<p>${passed} of ${total} conversations passed.</p>${passed < total ? empty('the failing conversations\' transcripts were not in the phase details') : ''}`);
    }
    return section('conversations', 'Conversations', empty(phase ? `converse: ${phase.status}, ${phase.summary}` : 'converse did not run'));
  }
  const failing = conversations.filter((conversation) => !conversation.passed);
  // With only the failures in the details, the phase's figures say how many there were in all.
  const total = typeof phase?.figures.conversations === 'number' ? phase.figures.conversations : conversations.length;
  const passed = typeof phase?.figures.passed === 'number' ? phase.figures.passed : conversations.length - failing.length;
  const summary = `<p>${passed} of ${total} conversations passed.</p>`;
  const blocks = failing.map((conversation) => {
    const turns = conversation.turns.map((turn) => `<div class="turn${turn.failure ? ' failed' : ''}">
<div class="who">turn ${escapeHtml(turn.turn)}${turn.latencyMs === undefined ? '' : ` · ${escapeHtml(formatNumber(turn.latencyMs))} ms`}</div>
${turn.user === undefined ? '' : `<div class="me">${escapeHtml(turn.user)}</div>`}
${turn.bot === undefined ? '' : `<div class="bot">${escapeHtml(turn.bot)}</div>`}
${turn.failure === undefined ? '' : `<div class="assertion">✗ ${escapeHtml(turn.failure)}</div>`}
</div>`).join('\n');
    return `<details open><summary>${badge('failed').html} ${escapeHtml(conversation.name)}${conversation.failure ? `: ${escapeHtml(conversation.failure)}` : ''}</summary>${turns || empty('no transcript recorded')}</details>`;
  });
  return section('conversations', 'Conversations', `${summary}${blocks.join('\n')}`);
}

/** Latency distribution and per-turn percentiles, with staging's resources over the load window beside them. */
export function latencySection(extras: ReportExtras): string {
  const metrics = extras.metrics ?? [];
  // Load records ResponseTime both overall and per turn: the overall one is the one without a Conversation.
  const responses = metrics.filter((datum) => datum.name === METRIC.ResponseTime);
  const load = mergeDistribution(responses.filter((datum) => datum.dimensions.Conversation === undefined));
  const loadTurns = responses.filter((datum) => datum.dimensions.Conversation !== undefined);
  const turns = loadTurns.length > 0 ? loadTurns : metrics.filter((datum) => datum.name === METRIC.TurnLatency);
  const source = load.total > 0 ? load : mergeDistribution(turns);
  const perTurnTitle = loadTurns.length > 0 ? 'Per-turn latency percentiles under load' : 'Per-turn latency percentiles';
  const charts: string[] = [];
  if (source.total > 0) {
    const bins = histogram(source);
    charts.push(barChart(bins.map((bin) => ({ label: `${formatNumber(bin.from)}–${formatNumber(bin.to)} ms`, values: [bin.count] })), {
      title: `${load.total > 0 ? 'Load' : 'Conversation'} latency distribution (${source.total} replies; p50 ${formatNumber(percentile(source, 50) ?? 0)} ms, p95 ${formatNumber(percentile(source, 95) ?? 0)} ms, p99 ${formatNumber(percentile(source, 99) ?? 0)} ms)`,
      yUnit: 'replies', legend: ['replies per latency bucket'],
    }));
  }
  const perTurn = groupByTurn(turns);
  if (perTurn.length > 0) {
    charts.push(barChart(perTurn.map(([label, data]) => {
      const merged = mergeDistribution(data);
      return { label, values: [50, 95, 99].map((p) => percentile(merged, p) ?? 0) };
    }), { title: perTurnTitle, yUnit: 'ms', legend: ['p50', 'p95', 'p99'] }));
  }
  const resources = (extras.resources ?? []).filter((series) => series.points.length > 0).map((series) => lineChart(
    [{ label: series.label, points: series.points.map((point) => ({ x: point.t, y: point.v })) }],
    { title: `${series.label} (${series.unit})`, yUnit: series.unit, time: true },
  ));
  const left = charts.length > 0 ? charts.join('\n') : empty('no latency was recorded');
  const right = resources.length > 0 ? resources.join('\n') : empty('no resource samples for the load window');
  return section('latency', 'Latency and staging resources', `<div class="grid"><div><h3>Latency</h3>${left}</div><div><h3>Staging resources over the load window</h3>${right}</div></div>`);
}

/** Load throughput over time, from the load phase's timeline. */
export function throughputSection(report: RunReport): string {
  const phase = report.phases.find((candidate) => candidate.name === 'load');
  const points = readThroughput(phase?.details);
  if (!points) {
    if (!phase) return section('throughput', 'Load throughput', empty('load did not run'));
    // No timeline recorded: the phase's own figures (throughput, requests, errors) are still worth a table.
    const figures = Object.entries(phase.figures);
    const body = figures.length > 0 ? `${table(['figure', 'value'], figures.map(([key, value]) => [key, String(value)]))}${empty('no throughput timeline was recorded')}` : empty(`load: ${phase.status}, ${phase.summary}`);
    return section('throughput', 'Load throughput', body);
  }
  const series = [{ label: 'requests', points: points.map((point) => ({ x: point.t, y: point.requests })) }];
  if (points.some((point) => point.errors !== undefined)) series.push({ label: 'errors', points: points.map((point) => ({ x: point.t, y: point.errors ?? 0 })) });
  return section('throughput', 'Load throughput', lineChart(series, { title: 'Requests over time', yUnit: 'per second', time: points[0] !== undefined && points[0].t > 1e11 }));
}

/** Staging's own error lines during the check window. */
export function stagingErrorsSection(extras: ReportExtras): string {
  const errors = extras.stagingErrors;
  if (!errors) return section('staging-errors', "Staging's error log", empty('no staging log configured (metrics.stagingLog)'));
  const shown = errors.lines.length < errors.count ? ` (first ${errors.lines.length} shown)` : '';
  const lines = errors.lines.length > 0 ? `<pre class="log">${errors.lines.map(escapeHtml).join('\n')}</pre>` : '';
  return section('staging-errors', "Staging's error log", `<p>${errors.count} error line(s) in ${escapeHtml(errors.source)} during the checks${shown}.</p>${lines}`);
}

/** Every metric recorded, summed or summarised, for people who want the numbers. */
export function metricsSection(extras: ReportExtras): string {
  const byName = new Map<string, MetricDatum[]>();
  for (const datum of extras.metrics ?? []) {
    const list = byName.get(datum.name);
    if (list) list.push(datum);
    else byName.set(datum.name, [datum]);
  }
  if (byName.size === 0) return section('metrics', 'Metrics', empty('no metrics recorded'));
  const rows = [...byName].map(([name, all]) => {
    // A metric recorded both overall and broken down (load's Requests) is summed from the overall datapoints only.
    const overall = all.filter((datum) => BREAKDOWN.every((dimension) => datum.dimensions[dimension] === undefined));
    const data = overall.length > 0 ? overall : all;
    const merged = mergeDistribution(data);
    const sum = merged.values.reduce((total, value, index) => total + value * (merged.counts[index] ?? 0), 0);
    return [name, data[0]?.unit, merged.total, formatNumber(sum), formatNumber(percentile(merged, 50) ?? 0), formatNumber(merged.values.at(-1) ?? 0)];
  });
  return section('metrics', 'Metrics', table(['metric', 'unit', 'samples', 'sum', 'p50', 'max'], rows));
}

const BREAKDOWN = ['Conversation', 'Turn', 'Table'] as const;

function groupByTurn(data: readonly MetricDatum[]): [string, MetricDatum[]][] {
  const groups = new Map<string, MetricDatum[]>();
  for (const datum of data) {
    const label = [datum.dimensions.Conversation, datum.dimensions.Turn].filter((part) => part !== undefined).join(' #');
    if (label === '') continue;
    const list = groups.get(label);
    if (list) list.push(datum);
    else groups.set(label, [datum]);
  }
  return [...groups];
}
