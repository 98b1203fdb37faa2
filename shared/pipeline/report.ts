import type { Figure } from './outcome';

/** The pipeline's phases, in the order they run. These names are stable: reports, metrics and the state machine use them. */
export const PHASE_NAMES = ['snapshot', 'restore', 'anonymize', 'verify', 'promote', 'reconcile', 'converse', 'load', 'publish'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

/** One phase's entry in `report.json`. */
export interface PhaseResult {
  readonly name: PhaseName;
  /** `not-run`: an earlier phase stopped the run before this one. */
  readonly status: 'passed' | 'failed' | 'skipped' | 'not-run';
  readonly summary: string;
  readonly durationMs: number;
  readonly attempts: number;
  readonly figures: Readonly<Record<string, Figure>>;
  readonly details?: unknown;
  /**
   * The error that ended the phase, when it threw: its class name and message (never a stack or a value).
   * When the run discarded its candidate, the message and `summary` end with a line saying so (see settlement-remark.ts).
   */
  readonly error?: { readonly name: string; readonly message: string; readonly exitCode: number };
}

/** What the run did to staging when it ended. */
export interface Settlement {
  /**
   * committed: the candidate stays staging; rolled-back: staging is what it was before the run;
   * discarded-candidate: the run stopped before the swap and its candidate is gone; unsettled: an undo
   * or commit step failed, so a person must look (the run fails with exit code 3).
   */
  readonly action: 'committed' | 'rolled-back' | 'discarded-candidate' | 'unsettled' | 'none';
  readonly detail: string;
}

/** `rehearsal-report/report.json`. */
export interface RunReport {
  readonly runId: string;
  readonly status: 'passed' | 'failed';
  readonly exitCode: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly bot: string;
  readonly environment: string;
  readonly phases: readonly PhaseResult[];
  readonly settlement: Settlement;
}
