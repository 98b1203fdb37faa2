import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors';
import type { RunReport } from '../pipeline/report';
import { parseReportExtras, type ReportExtras } from './extras';
import { PUBLISH_FILES } from './publish-run';
import { renderReportHtml } from './render';

/**
 * Renders `report.html` again from the final `report.json` and the extras publish saved beside it
 * (`report-extras.json`), optionally with more extras (the demo's process samples). Resource series
 * given here are cut to the check window publish saved, so they line up with the latency charts. Call
 * it after report.json is written, so the HTML shows the final verdict and settlement.
 */
export async function rerenderReport(outDir: string, more: ReportExtras = {}): Promise<string> {
  const reportFile = path.join(outDir, 'report.json');
  let report: RunReport;
  try {
    report = JSON.parse(await readFile(reportFile, 'utf8')) as RunReport;
  } catch (cause) {
    throw new ConfigError([{ file: reportFile, path: '', message: `cannot read the run report: ${(cause as Error).message}` }], { cause });
  }
  const saved: ReportExtras = await readFile(path.join(outDir, PUBLISH_FILES.extras), 'utf8').then((text) => parseReportExtras(JSON.parse(text)), () => ({}));
  const window = more.checkWindow ?? saved.checkWindow;
  const resources = more.resources && window
    ? more.resources.map((series) => ({ ...series, points: series.points.filter((point) => point.t >= window.startMs && point.t <= window.endMs) }))
    : more.resources;
  const file = path.join(outDir, PUBLISH_FILES.html);
  await writeFile(file, renderReportHtml(report, { ...saved, ...more, ...(resources ? { resources } : {}) }));
  return file;
}
