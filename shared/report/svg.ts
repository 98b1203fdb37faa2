import { escapeHtml } from './html';

/** Inline SVG charts: no script, no external font, readable without JavaScript. */

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#be185d', '#4b5563'];
const W = 640;
const H = 220;
const PAD = { left: 56, right: 16, top: 16, bottom: 36 };

/** One line of a {@link lineChart}. */
export interface LineSeries {
  readonly label: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** A line chart; `x` as epoch ms when `time` is set (labels show seconds from the first point). */
export function lineChart(series: readonly LineSeries[], options: { title: string; yUnit: string; time?: boolean }): string {
  const all = series.flatMap((one) => one.points);
  if (all.length === 0) return '';
  const xMin = Math.min(...all.map((point) => point.x));
  const xMax = Math.max(...all.map((point) => point.x));
  const yMax = niceMax(Math.max(...all.map((point) => point.y)));
  const x = (value: number) => PAD.left + ((value - xMin) / (xMax - xMin || 1)) * (W - PAD.left - PAD.right);
  const y = (value: number) => H - PAD.bottom - (value / yMax) * (H - PAD.top - PAD.bottom);
  const lines = series.map((one, index) => {
    const color = PALETTE[index % PALETTE.length] ?? '#000';
    const path = one.points.map((point, at) => `${at === 0 ? 'M' : 'L'}${x(point.x).toFixed(1)},${y(point.y).toFixed(1)}`).join(' ');
    const dots = one.points.length === 1 && one.points[0] ? `<circle cx="${x(one.points[0].x).toFixed(1)}" cy="${y(one.points[0].y).toFixed(1)}" r="3" fill="${color}"/>` : '';
    return `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>${dots}`;
  });
  const xLabel = (value: number) => (options.time ? `${Math.round((value - xMin) / 1000)} s` : formatNumber(value));
  return frame(options.title, options.yUnit, yMax, lines.join(''), [xLabel(xMin), xLabel(xMax)], series.map((one) => one.label));
}

/** One bar of a {@link barChart}; `group` values become differently coloured bars side by side. */
export interface Bar {
  readonly label: string;
  readonly values: readonly number[];
}

/** A bar chart: one group of bars per label, one colour per value index (named in `legend`). */
export function barChart(bars: readonly Bar[], options: { title: string; yUnit: string; legend: readonly string[] }): string {
  if (bars.length === 0) return '';
  const yMax = niceMax(Math.max(...bars.flatMap((bar) => bar.values)));
  const slot = (W - PAD.left - PAD.right) / bars.length;
  const perGroup = Math.max(1, ...bars.map((bar) => bar.values.length));
  const barWidth = Math.max(1, (slot * 0.8) / perGroup);
  const rects = bars.flatMap((bar, index) => bar.values.map((value, at) => {
    const height = (value / yMax) * (H - PAD.top - PAD.bottom);
    const left = PAD.left + index * slot + slot * 0.1 + at * barWidth;
    return `<rect x="${left.toFixed(1)}" y="${(H - PAD.bottom - height).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${height.toFixed(1)}" fill="${PALETTE[at % PALETTE.length] ?? '#000'}"><title>${escapeHtml(`${bar.label}: ${formatNumber(value)}`)}</title></rect>`;
  }));
  const first = bars[0]?.label ?? '';
  const last = bars.at(-1)?.label ?? '';
  return frame(options.title, options.yUnit, yMax, rects.join(''), [first, last], options.legend);
}

/** A Gantt-style timeline of consecutive steps with their status colour. */
export function timeline(steps: readonly { label: string; durationMs: number; status: string }[]): string {
  const total = steps.reduce((sum, step) => sum + step.durationMs, 0) || 1;
  const rowHeight = 22;
  const height = steps.length * rowHeight + 8;
  const labelWidth = 90;
  const span = W - labelWidth - PAD.right;
  let start = 0;
  const rows = steps.map((step, index) => {
    const left = labelWidth + (start / total) * span;
    const width = Math.max(2, (step.durationMs / total) * span);
    start += step.durationMs;
    const top = 4 + index * rowHeight;
    return `<text x="0" y="${top + 15}" font-size="12">${escapeHtml(step.label)}</text>`
      + `<rect class="bar ${escapeHtml(step.status)}" x="${left.toFixed(1)}" y="${top + 3}" width="${width.toFixed(1)}" height="${rowHeight - 8}" rx="3"><title>${escapeHtml(`${step.label}: ${step.status}, ${Math.round(step.durationMs)} ms`)}</title></rect>`;
  });
  return `<svg class="chart" role="img" aria-label="phase timeline" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" xmlns="http://www.w3.org/2000/svg">${rows.join('')}</svg>`;
}

function frame(title: string, unit: string, yMax: number, body: string, xLabels: readonly string[], legend: readonly string[]): string {
  const axis = `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#9ca3af"/>`
    + `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#9ca3af"/>`
    + `<text x="${PAD.left - 6}" y="${PAD.top + 4}" font-size="11" text-anchor="end">${escapeHtml(formatNumber(yMax))}</text>`
    + `<text x="${PAD.left - 6}" y="${H - PAD.bottom}" font-size="11" text-anchor="end">0</text>`
    + `<text x="${PAD.left + 6}" y="${PAD.top + 4}" font-size="11" fill="#6b7280">${escapeHtml(unit)}</text>`
    + `<text x="${PAD.left}" y="${H - PAD.bottom + 14}" font-size="11">${escapeHtml(xLabels[0] ?? '')}</text>`
    + `<text x="${W - PAD.right}" y="${H - PAD.bottom + 14}" font-size="11" text-anchor="end">${escapeHtml(xLabels[1] ?? '')}</text>`;
  const keys = legend.map((label, index) => `<tspan fill="${PALETTE[index % PALETTE.length] ?? '#000'}">■ </tspan><tspan>${escapeHtml(label)}  </tspan>`).join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${axis}${body}<text x="${PAD.left}" y="${H - 6}" font-size="11">${keys}</text></svg></figure>`;
}

function niceMax(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((candidate) => candidate * magnitude >= value) ?? 10;
  return step * magnitude;
}

/** A short number: integers as they are, others to 3 significant digits. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
}
