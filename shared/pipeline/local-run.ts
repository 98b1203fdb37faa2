import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadMaskingKey } from '../anonymize/masking-key';
import type { LoadedConfig } from '../config/load';
import type { Config } from '../config/schema';
import { requireLocalDatabases } from '../db/config-schema';
import { LocalDatabaseProvider } from '../db/local-provider';
import type { DatabaseProvider } from '../db/provider';
import { MetricsRecorder } from '../metrics/recorder';
import type { ResourceSource } from '../metrics/resources';
import { rerenderReport } from '../report/rerender';
import type { RunLog } from './log';
import { PHASE_TABLE } from './phase-table';
import type { PhaseResult, RunReport } from './report';
import { runPipeline, type RunOptions } from './runner';

/** Options of {@link runLocally}. */
export interface LocalRunOptions {
  readonly loaded: LoadedConfig;
  readonly outDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: RunLog;
  readonly onPhase?: RunOptions['onPhase'];
  /** Overrides the provider built from the config (tests). */
  readonly database?: DatabaseProvider;
  /** Staging's resource metrics for the report (the demo samples its bot process). */
  readonly resources?: ResourceSource;
}

/**
 * Runs the whole pipeline on this machine with the local providers and writes `report.json` to the
 * output folder. The masking key is read before anything changes, so a missing key touches nothing.
 */
export async function runLocally(options: LocalRunOptions): Promise<RunReport> {
  const { config, baseDir } = options.loaded;
  const maskingKey = await loadMaskingKey(config.maskingKey, options.env, baseDir);
  const database = options.database ?? localProvider(config);
  await mkdir(options.outDir, { recursive: true });
  const report = await runPipeline(
    PHASE_TABLE,
    {
      runId: randomUUID(),
      config,
      baseDir,
      outDir: options.outDir,
      providers: { database, ...(options.resources ? { resources: options.resources } : {}) },
      maskingKey,
      state: {},
      metrics: new MetricsRecorder({ Environment: config.environment, Bot: config.bot }),
      log: options.log,
    },
    options.onPhase ? { onPhase: options.onPhase } : {},
  );
  await writeFile(path.join(options.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  // publish rendered the HTML before its own row existed: render it again from the final report.
  if (report.phases.some((phase) => phase.name === 'publish' && phase.status === 'passed')) await rerenderReport(options.outDir);
  return report;
}

function localProvider(config: Config): DatabaseProvider {
  const { production, staging } = requireLocalDatabases(config.databases);
  return new LocalDatabaseProvider({ productionUrl: production.url, stagingUrl: staging.url, keepPrevious: staging.keepPrevious });
}

/** A plain-text summary of a run for the terminal: one line per phase, then the verdict. */
export function formatSummary(report: RunReport): string {
  const width = Math.max(...report.phases.map((phase) => phase.name.length));
  const lines = report.phases.map((phase) => `  ${symbolFor(phase)} ${phase.name.padEnd(width)}  ${formatMs(phase.durationMs).padStart(8)}  ${phase.summary}`);
  return [
    `rehearsal run ${report.runId} for ${report.bot} (${report.environment})`,
    ...lines,
    `  staging: ${report.settlement.action} (${report.settlement.detail})`,
    `${report.status === 'passed' ? 'PASSED' : 'FAILED'} in ${formatMs(report.durationMs)} (exit code ${report.exitCode})`,
    '',
  ].join('\n');
}

function symbolFor(phase: PhaseResult): string {
  return { passed: 'ok  ', failed: 'FAIL', skipped: 'skip', 'not-run': '--  ' }[phase.status];
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
