import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MetricsRecorder } from '../metrics/recorder';
import { DEFAULT_CONNECTOR, type ConnectorConfig } from './connector-schema';
import { toJUnitXml } from './junit';
import { loadConnector, loadConversations } from './load-convos';
import { runConversations, type ConversationReport, type ConverseReport } from './run-conversations';

/** Inputs of a conversation check, as the CLI and the pipeline phase both give them. */
export interface ConverseCheckOptions {
  readonly target: string;
  readonly convos: readonly string[];
  /** Folder the globs and the connector path resolve against. */
  readonly baseDir: string;
  readonly connectorFile?: string;
  /** Reply timeout unless the connector sets one. */
  readonly turnTimeoutMs?: number;
  readonly concurrency?: number;
  readonly onConversation?: (report: ConversationReport, done: number, total: number) => void;
}

/** Reads the connector, when one is named, with the default timeout applied. */
export async function connectorFor(baseDir: string, connectorFile: string | undefined, turnTimeoutMs: number | undefined): Promise<ConnectorConfig | undefined> {
  if (connectorFile === undefined && turnTimeoutMs === undefined) return undefined;
  const connector = connectorFile === undefined ? DEFAULT_CONNECTOR : await loadConnector(path.resolve(baseDir, connectorFile));
  return connector.timeoutMs === undefined && turnTimeoutMs !== undefined ? { ...connector, timeoutMs: turnTimeoutMs } : connector;
}

/**
 * Loads and validates the conversations (ConfigError before any traffic), runs them against the
 * target and returns the report. Throws EnvironmentError when the target cannot be reached.
 */
export async function runConverseCheck(options: ConverseCheckOptions): Promise<ConverseReport> {
  const connector = await connectorFor(options.baseDir, options.connectorFile, options.turnTimeoutMs);
  const conversations = await loadConversations(options.convos, options.baseDir, connector);
  return runConversations(conversations, {
    target: options.target,
    ...(connector ? { connector } : {}),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.onConversation ? { onConversation: options.onConversation } : {}),
  });
}

/** Records per-turn latencies (dimensions Conversation and Turn) and pass/fail counts. */
export function recordConverseMetrics(report: ConverseReport, metrics: MetricsRecorder): void {
  metrics.add('ConversationsPassed', report.passed, 'Count', { Phase: 'converse' });
  metrics.add('ConversationsFailed', report.failed, 'Count', { Phase: 'converse' });
  for (const conversation of report.conversations) {
    metrics.add('ConversationFailed', conversation.status === 'failed' ? 1 : 0, 'Count', { Phase: 'converse', Conversation: conversation.name });
    for (const turn of conversation.turns) {
      if (turn.status === 'error') continue;
      metrics.add('TurnLatency', turn.latencyMs, 'Milliseconds', { Phase: 'converse', Conversation: conversation.name, Turn: String(turn.turn) });
    }
  }
}

/** Writes the JSON report and/or JUnit XML, creating folders as needed. */
export async function writeConverseOutputs(report: ConverseReport, files: { json?: string | undefined; junit?: string | undefined }): Promise<void> {
  if (files.json !== undefined) {
    await mkdir(path.dirname(files.json), { recursive: true });
    await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  }
  if (files.junit !== undefined) {
    await mkdir(path.dirname(files.junit), { recursive: true });
    await writeFile(files.junit, toJUnitXml(report));
  }
}
