import type { RunContext } from './context';
import type { PhaseOutcome } from './outcome';
import type { PhaseName } from './report';

/**
 * How a phase retries a thrown error. Mirrors a Step Functions `Retry` block so the state machine can
 * use it as it is: `errors` are error class names (`EnvironmentError`, `InvalidDBInstanceStateFault`).
 */
export interface RetryPolicy {
  readonly errors: readonly string[];
  readonly maxAttempts: number;
  readonly intervalMs: number;
  readonly backoffRate: number;
}

/** One row of the phase table. */
export interface PhaseDefinition {
  readonly name: PhaseName;
  /** One line for README, dashboards and the state machine's comments. */
  readonly description: string;
  readonly retry: RetryPolicy;
  /** `stop`: a failure ends the run (later phases do not run, except `final` ones); `continue`: later checks still run. */
  readonly onFailure: 'stop' | 'continue';
  /** Runs whatever happened before (publishing the report). Staging is settled before the first final phase. */
  readonly final?: boolean;
  /** The longest a phase may take, pending waits included, before it fails. */
  readonly timeoutMs: number;
  readonly run: (ctx: RunContext) => Promise<PhaseOutcome>;
  /**
   * Compensation when the run fails after this phase ran (drop the candidate, roll staging back): a line
   * for the report, or {@link SettlePending} when it started a change that must be waited for.
   */
  readonly undo?: (ctx: RunContext) => Promise<SettleStepResult>;
  /** Confirmation when the whole run passed (drop the previous staging database); pending as for `undo`. */
  readonly commit?: (ctx: RunContext) => Promise<SettleStepResult>;
}

/** An undo or commit step still waiting (a database being renamed): call it again after `retryAfterMs`. */
export interface SettlePending {
  readonly pending: string;
  readonly retryAfterMs: number;
}

/** What an undo or commit step gives back: a line for the report (or nothing to say), or pending. */
export type SettleStepResult = string | undefined | SettlePending;

/**
 * A phase-table row without its implementation (`run`): everything the state machine is built from and
 * all the settle step calls (`undo`, `commit`). See `PHASE_PLAN`; only the local runner needs `run` for
 * every phase at once (`PHASE_TABLE`).
 */
export type PhaseSpec = Omit<PhaseDefinition, 'run'>;

/** Errors worth retrying in every phase: the environment hiccuped. Check failures and bad input never are. */
export const TRANSIENT_ERRORS = ['EnvironmentError'] as const;

/** A retry policy with the usual backoff. */
export function retryOn(errors: readonly string[], maxAttempts = 3, intervalMs = 2_000): RetryPolicy {
  return { errors, maxAttempts, intervalMs, backoffRate: 2 };
}

/** No retry: the phase's failures are never transient. */
export const NO_RETRY: RetryPolicy = { errors: [], maxAttempts: 1, intervalMs: 0, backoffRate: 1 };
