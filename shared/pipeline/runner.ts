import { describeError, ExitCode, exitCodeOf } from '../errors';
import type { RunContext } from './context';
import type { PhaseOutcome } from './outcome';
import type { PhaseDefinition } from './phase';
import type { PhaseResult, RunReport, Settlement } from './report';
import { settleStaging } from './settle';
import { remarkOnDiscardedCandidate } from './settlement-remark';

/** How an operator starts the local pipeline again, as a failed phase's remark names it (see settlement-remark.ts). */
export const LOCAL_RERUN = '`rehearsal run --config FILE`';

/** Waits; injected so tests of pending phases do not sleep. */
export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Options of {@link runPipeline}. */
export interface RunOptions {
  readonly sleep?: Sleep;
  readonly now?: () => number;
  /** Called when a phase starts and ends, for progress output. */
  readonly onPhase?: (event: { phase: string; result?: PhaseResult }) => void;
}

/**
 * Runs the phase table in order on one machine: the same table the state machine is built from.
 *
 * - A thrown error is retried as the phase's policy says; an error never retried fails the phase.
 * - A `pending` outcome is waited for and the phase called again, until its timeout.
 * - When a phase fails with `onFailure: stop`, later phases are not run, except `final` ones.
 * - Before the first `final` phase, staging is settled: if anything failed, the `undo` of every phase
 *   that ran is called in reverse order (candidate dropped, staging rolled back); if all passed, every
 *   `commit` is called in order (previous staging dropped). When the candidate was dropped, each phase
 *   that threw says so under its error (see settlement-remark.ts).
 */
export async function runPipeline(
  table: readonly PhaseDefinition[],
  ctx: Omit<RunContext, 'results'>,
  options: RunOptions = {},
): Promise<RunReport> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const startedAt = now();
  const results: PhaseResult[] = [];
  const context: RunContext = { ...ctx, results };
  const ran: PhaseDefinition[] = [];
  let stopped = false;
  let settlement: Settlement | undefined;
  const settle = async (): Promise<Settlement> => {
    const settled = await settleStaging(ran, anyFailed(results), context, sleep);
    results.forEach((result, index) => {
      results[index] = remarkOnDiscardedCandidate(result, table.find((phase) => phase.name === result.name), settled, LOCAL_RERUN);
    });
    return settled;
  };

  for (const phase of table) {
    if (phase.final && settlement === undefined) {
      settlement = await settle();
      context.state.settlement = settlement;
    }
    if (stopped && !phase.final) {
      results.push(notRun(phase));
      continue;
    }
    options.onPhase?.({ phase: phase.name });
    const result = await runPhase(phase, context, sleep, now);
    results.push(result);
    ran.push(phase);
    options.onPhase?.({ phase: phase.name, result });
    if (result.status === 'failed' && phase.onFailure === 'stop') stopped = true;
  }
  settlement ??= await settle();

  // A staging left half-settled is an environment problem whatever the checks said.
  const exitCode = settlement.action === 'unsettled' ? ExitCode.Environment : exitCodeFor(results);
  const finishedAt = now();
  return {
    runId: ctx.runId,
    status: exitCode === ExitCode.Passed ? 'passed' : 'failed',
    exitCode,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    durationMs: finishedAt - startedAt,
    bot: ctx.config.bot,
    environment: ctx.config.environment,
    phases: results,
    settlement,
  };
}

async function runPhase(phase: PhaseDefinition, ctx: RunContext, sleep: Sleep, now: () => number): Promise<PhaseResult> {
  const started = now();
  let attempts = 0;
  let delay = phase.retry.intervalMs;
  for (;;) {
    attempts += 1;
    try {
      const outcome = await untilDone(phase, ctx, sleep, now, started);
      return {
        name: phase.name,
        status: outcome.status === 'pending' ? 'failed' : outcome.status,
        summary: outcome.summary,
        durationMs: now() - started,
        attempts,
        figures: outcome.status === 'pending' ? {} : (outcome.figures ?? {}),
        ...(outcome.status !== 'pending' && outcome.details !== undefined ? { details: outcome.details } : {}),
      };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      if (attempts < phase.retry.maxAttempts && phase.retry.errors.includes(name)) {
        ctx.log.warn(`${phase.name}: ${describeError(error)}; retrying in ${delay} ms (attempt ${attempts + 1} of ${phase.retry.maxAttempts})`);
        await sleep(delay);
        delay *= phase.retry.backoffRate;
        continue;
      }
      return {
        name: phase.name,
        status: 'failed',
        summary: describeError(error),
        durationMs: now() - started,
        attempts,
        figures: {},
        error: { name, message: describeError(error), exitCode: exitCodeOf(error) },
      };
    }
  }
}

/** Calls the phase until it is no longer pending, or fails it when its timeout passes. */
async function untilDone(phase: PhaseDefinition, ctx: RunContext, sleep: Sleep, now: () => number, started: number): Promise<PhaseOutcome> {
  for (;;) {
    const outcome = await phase.run(ctx);
    if (outcome.status !== 'pending') return outcome;
    if (now() - started + outcome.retryAfterMs > phase.timeoutMs) {
      return { status: 'failed', summary: `timed out after ${phase.timeoutMs} ms: ${outcome.summary}` };
    }
    ctx.log.info(`${phase.name}: ${outcome.summary}; checking again in ${outcome.retryAfterMs} ms`);
    await sleep(outcome.retryAfterMs);
  }
}

function anyFailed(results: readonly PhaseResult[]): boolean {
  return results.some((result) => result.status === 'failed');
}

function notRun(phase: PhaseDefinition): PhaseResult {
  return { name: phase.name, status: 'not-run', summary: 'not run: an earlier phase failed', durationMs: 0, attempts: 0, figures: {} };
}

/** Bad input (2) wins over environment errors (3), which win over failed checks (1). */
function exitCodeFor(results: readonly PhaseResult[]): ExitCode {
  const failed = results.filter((result) => result.status === 'failed');
  if (failed.length === 0) return ExitCode.Passed;
  const codes = failed.map((result) => result.error?.exitCode ?? ExitCode.CheckFailed);
  if (codes.includes(ExitCode.BadInput)) return ExitCode.BadInput;
  if (codes.includes(ExitCode.Environment)) return ExitCode.Environment;
  return ExitCode.CheckFailed;
}
