import type { Config } from '../config/schema';
import type { DatabaseProvider } from '../db/provider';
import type { MetricsRecorder } from '../metrics/recorder';
import type { ResourceSource } from '../metrics/resources';
import type { RunLog } from './log';
import type { PhaseResult } from './report';
import type { RunState } from './state';

/** The providers a run uses; local or AWS ones are chosen by whoever builds the context. */
export interface Providers {
  readonly database: DatabaseProvider;
  /** Staging's own resource metrics over the check window, for the report (the demo's bot process; CloudWatch in AWS). */
  readonly resources?: ResourceSource;
}

/**
 * Everything a phase may use. Built by the local runner or by a Lambda handler; phases never read
 * `process.env` or create clients themselves.
 */
export interface RunContext {
  readonly runId: string;
  readonly config: Config;
  /** Folder that relative paths in the config resolve against. */
  readonly baseDir: string;
  /** Folder the report and metrics are written to. */
  readonly outDir: string;
  readonly providers: Providers;
  /** The masking key's bytes. Never printed, never stored in state. */
  readonly maskingKey: Buffer;
  readonly state: RunState;
  readonly metrics: MetricsRecorder;
  readonly log: RunLog;
  /** Results of the phases that have finished so far, in order. */
  readonly results: readonly PhaseResult[];
}
