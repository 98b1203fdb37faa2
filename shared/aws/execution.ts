import { z } from 'zod';
import { ConfigError, exitCodeOfName } from '../errors';
import { issuesToProblems } from '../config/problems';
import { PHASE_NAMES, type PhaseName, type PhaseResult } from '../pipeline/report';

/**
 * The Step Functions execution document: the JSON every state receives and every Lambda returns. It
 * holds ids, ARNs, summaries and figures only; never a password or a personal value (checked on
 * every parse by {@link parseExecution}).
 */

const phaseName = z.enum(PHASE_NAMES);
const figure = z.union([z.number(), z.string(), z.boolean()]);

const phaseResult = z.object({
  name: phaseName,
  status: z.enum(['passed', 'failed', 'skipped', 'not-run']),
  summary: z.string(),
  durationMs: z.number(),
  attempts: z.number().int(),
  figures: z.record(z.string(), figure),
  error: z.object({ name: z.string(), message: z.string(), exitCode: z.number().int() }).optional(),
});

const databaseRef = z.object({ id: z.string().min(1), database: z.string().min(1) });

/** RunState as it travels: the fields the database phases use are checked; other phases' fields pass through. */
export const runStateSchema = z.looseObject({
  snapshot: z.object({ id: z.string().min(1), createdAt: z.string() }).optional(),
  candidate: databaseRef.optional(),
  promotion: z.object({ staging: databaseRef, previous: databaseRef.optional(), swap: z.record(z.string(), z.string()).optional() }).optional(),
  rolledBack: z.boolean().optional(),
});

export const executionSchema = z.object({
  runId: z.string().min(1).max(64),
  deployId: z.string().min(1),
  description: z.string().default(''),
  state: runStateSchema.default({}),
  /** Results of the phases that have finished, by name. */
  results: z.partialRecord(phaseName, phaseResult).default({}),
  /** The phase being polled: when it started and how many times it was called. */
  clock: z.object({ phase: phaseName, startedAt: z.number(), polls: z.number().int().min(0) }).optional(),
  /** The last phase invocation's verdict, for the state machine's Choice states. */
  step: z.object({ status: z.enum(['passed', 'failed', 'skipped', 'pending']), retryAfterSeconds: z.number().int().min(1).optional() }).optional(),
  /** Set by a Catch: the error of a phase that threw after its retries, and which phase it was. */
  failure: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
  failedPhase: z.object({ phase: phaseName, reason: z.string().optional() }).optional(),
  /** How many times the settle state was called because an undo or commit step was still waiting. */
  settlePolls: z.number().int().min(0).optional(),
  /** Set by the settle state's Catch: staging could not be settled (the finish state reports it). */
  settleFailure: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
  /** Set by the settle state. */
  settlement: z.object({ action: z.enum(['committed', 'rolled-back', 'discarded-candidate', 'unsettled', 'none']), detail: z.string() }).optional(),
});
export type Execution = z.infer<typeof executionSchema>;
export type ExecutionInput = z.input<typeof executionSchema>;

/** Keys that must never appear in state: a value under them would be in the execution history for 90 days. */
const SECRET_KEY = /pass(word)?|secret(?!arn)|token|credential|private.?key/i;

/**
 * Validates an execution document; folds a caught failure into `results` (so every Lambda sees the
 * failed phase as the local runner would). Throws {@link ConfigError} with the JSON path of each
 * problem, or when a key in `state` looks like it holds a secret.
 */
export function parseExecution(event: unknown): Execution {
  const parsed = executionSchema.safeParse(event);
  if (!parsed.success) throw new ConfigError(issuesToProblems(parsed.error.issues, { prefix: ['event'] }));
  const leaks = secretKeys(parsed.data.state, ['event', 'state']);
  if (leaks.length > 0) throw new ConfigError(leaks.map((path) => ({ path, message: 'state must never hold a secret: pass its ARN instead' })));
  return absorbFailure(parsed.data);
}

/** A caught error becomes the failed phase's result, as the local runner records a phase that threw. */
export function absorbFailure(execution: Execution): Execution {
  const { failure, failedPhase, ...rest } = execution;
  if (!failedPhase) return rest;
  const cause = failure ? causeOf(failure) : { name: 'PhaseTimedOut', message: failedPhase.reason ?? 'timed out' };
  const started = execution.clock?.phase === failedPhase.phase ? execution.clock.startedAt : undefined;
  const result: PhaseResult = {
    name: failedPhase.phase,
    status: 'failed',
    summary: cause.message,
    durationMs: started === undefined ? 0 : Math.max(0, Date.now() - started),
    attempts: Math.max(1, execution.clock?.phase === failedPhase.phase ? execution.clock.polls : 1),
    figures: {},
    error: { name: cause.name, message: cause.message, exitCode: exitCodeOfName(cause.name) },
  };
  return { ...rest, results: { ...rest.results, [failedPhase.phase]: result } };
}

/** Results in the phase table's order. */
export function orderedResults(execution: Execution, order: readonly PhaseName[] = PHASE_NAMES): PhaseResult[] {
  return order.flatMap((name) => {
    const result = execution.results[name];
    return result ? [result as PhaseResult] : [];
  });
}

/** Lambda's error Cause is JSON `{ errorType, errorMessage, trace }`; only type and message are kept (never the trace). */
function causeOf(failure: { Error: string; Cause?: string | undefined }): { name: string; message: string } {
  try {
    const cause = z.object({ errorType: z.string(), errorMessage: z.string() }).parse(JSON.parse(failure.Cause ?? ''));
    return { name: cause.errorType, message: cause.errorMessage };
  } catch {
    return { name: failure.Error, message: failure.Cause ?? failure.Error };
  }
}

function secretKeys(value: unknown, path: string[]): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => [
    ...(SECRET_KEY.test(key) ? [[...path, key].join('.')] : []),
    ...secretKeys(inner, [...path, key]),
  ]);
}
