import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { connectorFor } from '../converse/check';
import { loadConversations } from '../converse/load-convos';
import type { Conversation } from '../converse/model';
import { ConfigError } from '../errors';
import type { RunLog } from '../pipeline/log';
import { thresholdChecksOf, type LoadConfig } from './config-schema';
import type { LoadMeasurement } from './measurement';
import type { LoadReport } from './report';
import { runLoadTest } from './run-load';
import type { LoadProfileInput } from './slice-schema';
import { runStress, type StressReport } from './stress';
import type { ThresholdCheck } from './threshold-schema';

/** Where a conversation-mode load check finds its bot and conversations (defaults from `converse`). */
export interface LoadSources {
  readonly target: string;
  readonly convos: readonly string[];
  readonly connector?: string | undefined;
  readonly baseDir: string;
}

/** The outcome of a load check: a plain run, or stress mode with its steps (the report is the last step's). */
export interface LoadCheckResult {
  readonly report: LoadReport;
  readonly measurement?: LoadMeasurement;
  readonly stress?: StressReport;
}

/** A conversation-mode load run ready to start: validated conversations, the profile, the checks. */
export interface PreparedLoad {
  readonly conversations: readonly Conversation[];
  readonly profile: LoadProfileInput;
  readonly checks: ThresholdCheck[];
  readonly abortAfterMs?: number;
}

/**
 * Loads and validates what a conversation-mode load run needs (ConfigError before any traffic): the
 * connector, the conversations and their weights, the open-model profile and the threshold checks.
 * Used by {@link runLoadCheck} and by the AWS fan-out's plan step, so both send the same load.
 */
export async function prepareLoadCheck(config: LoadConfig, sources: LoadSources): Promise<PreparedLoad> {
  // load.requestTimeout (default 30 s) is the reply timeout under load, unless the connector sets its own.
  const connector = await connectorFor(sources.baseDir, sources.connector, config.requestTimeout);
  const conversations = await loadConversations(sources.convos, sources.baseDir, connector);
  checkWeights(config, conversations);
  const profile: LoadProfileInput = {
    phases: config.phases.map((phase) => ({ durationMs: phase.duration, arrivalRate: phase.arrivalRate, ...(phase.rampTo === undefined ? {} : { rampTo: phase.rampTo }) })),
    mode: 'conversations', weights: config.weights, connections: config.connections, timeoutMs: config.requestTimeout, think: config.think,
    maxLagMs: config.maxEventLoopLag,
    ...(connector ? { connector } : {}),
  };
  return {
    conversations, profile, checks: thresholdChecksOf(config.thresholds),
    ...(config.thresholds.abortAfter === undefined ? {} : { abortAfterMs: config.thresholds.abortAfter }),
  };
}

/**
 * Runs the `load` section in conversation mode: loads and validates the conversations (ConfigError
 * before any traffic), then runs the open model (or stress mode) and evaluates the thresholds.
 */
export async function runLoadCheck(config: LoadConfig, sources: LoadSources, runId: string, log?: RunLog): Promise<LoadCheckResult> {
  const { conversations, profile, checks, abortAfterMs } = await prepareLoadCheck(config, sources);
  const common = {
    runId, target: sources.target, conversations, workers: config.workers, checks,
    ...(abortAfterMs === undefined ? {} : { abortAfterMs }), ...(log ? { log } : {}),
  };
  if (config.stress) {
    const { startRate, step, stepDuration, maxRate } = config.stress;
    const stress = await runStress({ startRate, step, stepDurationMs: stepDuration, maxRate }, { ...common, profile });
    const last = stress.steps[stress.steps.length - 1];
    if (!last) throw new ConfigError([{ path: 'load.stress', message: 'stress mode ran no step: startRate must not exceed maxRate' }]);
    return { report: last.report, stress };
  }
  const { report, measurement } = await runLoadTest({ ...common, profile });
  return { report, measurement };
}

function checkWeights(config: LoadConfig, conversations: readonly Conversation[]): void {
  const names = new Set(conversations.map((conversation) => conversation.name));
  const unknown = Object.keys(config.weights).filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((name) => ({ path: `load.weights.${name}`, message: `no conversation named ${JSON.stringify(name)}; known: ${[...names].join(', ')}` })));
  }
}

/** Writes a JSON file, creating its folder. */
export async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}
