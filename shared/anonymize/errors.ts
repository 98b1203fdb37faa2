import { CheckFailedError, formatProblem, type InputProblem } from '../errors';

/**
 * Columns without a rule (or rules without a column): the run stops before anything changes. Exit
 * code 1, like any failed check; `columns` names every unclassified column.
 */
export class CoverageError extends CheckFailedError {
  readonly problems: readonly InputProblem[];
  constructor(readonly unclassified: readonly string[], readonly dangling: readonly string[], problems: readonly InputProblem[]) {
    super(`the rules do not cover the database exactly; nothing was changed:\n${problems.map(formatProblem).join('\n')}`);
    this.problems = problems;
  }
}

/**
 * Masking a table failed (a check constraint, a fake that broke a constraint, a lost connection); that
 * table was rolled back, tables masked before it stay masked, and the run stops before promote.
 */
export class MaskingFailedError extends CheckFailedError {
  constructor(readonly table: string, readonly constraint: string | undefined, message: string, options?: { cause?: unknown }) {
    super(`masking ${table} failed${constraint ? ` on constraint ${constraint}` : ''}: ${message}; ${table} was rolled back and is unchanged`, options);
  }
}

/** Verify found original or PII-shaped values. */
export class PiiFoundError extends CheckFailedError {}
