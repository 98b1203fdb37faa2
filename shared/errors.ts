/**
 * Typed errors shared by every part of rehearsal. Each error's `name` ends in `Error` and is stable:
 * the CLI maps it to an exit code, and the Step Functions state machine uses it in Retry/Catch rules.
 * Messages say what was wrong, where, and what was expected. They never carry a secret or a PII value.
 */

/** The process exit codes, kept stable for every command. */
export const ExitCode = {
  /** Every check passed. */
  Passed: 0,
  /** A check failed: PII found, drift, a failed conversation, a breached threshold. */
  CheckFailed: 1,
  /** Bad usage or configuration; nothing was changed. */
  BadInput: 2,
  /** The environment failed: a database unreachable, a port taken, an AWS API refused. */
  Environment: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: every rehearsal error knows the exit code it maps to. */
export abstract class RehearsalError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found in an input file, with where it is. */
export interface InputProblem {
  /** Dotted path inside the document, e.g. `anonymize.tables.public.users.columns.email`. */
  readonly path: string;
  readonly message: string;
  /** File the problem is in, when it came from a file. */
  readonly file?: string;
  /** 1-based line in that file, when known. */
  readonly line?: number;
}

/**
 * Formats a problem as `file:line: path: message`, leaving out what is unknown. A problem of no file
 * and no path (a ConfigError made from a sentence) is its message alone.
 */
export function formatProblem(problem: InputProblem): string {
  const where = [problem.file, problem.line].filter((part) => part !== undefined).join(':');
  if (where === '' && problem.path === '') return problem.message;
  const path = problem.path === '' ? '(top level)' : problem.path;
  return `${where === '' ? '' : `${where}: `}${path}: ${problem.message}`;
}

/** Bad configuration or usage: one entry per problem, exit code 2, nothing touched. */
export class ConfigError extends RehearsalError {
  readonly exitCode = ExitCode.BadInput;
  readonly problems: readonly InputProblem[];
  constructor(problems: readonly InputProblem[] | string, options?: { cause?: unknown }) {
    const list = typeof problems === 'string' ? [{ path: '', message: problems }] : problems;
    super(list.map(formatProblem).join('\n'), options);
    this.problems = list;
  }
}

/** Bad command-line usage. */
export class UsageError extends RehearsalError {
  readonly exitCode = ExitCode.BadInput;
}

/** The environment failed: a database unreachable, a port taken, a cloud API refused the call. */
export class EnvironmentError extends RehearsalError {
  readonly exitCode = ExitCode.Environment;
}

/** A check found a problem that fails the run (PII, drift, a failed conversation, a threshold). */
export class CheckFailedError extends RehearsalError {
  readonly exitCode = ExitCode.CheckFailed;
}

/** An action would have modified production. Never retried, never caught to continue. */
export class ProductionWriteBlockedError extends RehearsalError {
  readonly exitCode = ExitCode.BadInput;
}

/**
 * The exit code of a rehearsal error known only by its name, as a Lambda's failure reaches Step
 * Functions (its `errorType`): every error class whose code is not {@link ExitCode.Environment}, which
 * any other name gets. A test checks it against every class in `shared/`.
 */
const EXIT_CODE_BY_ERROR_NAME: Readonly<Record<string, ExitCode>> = {
  ConfigError: ExitCode.BadInput, UsageError: ExitCode.BadInput, ProductionWriteBlockedError: ExitCode.BadInput, RowSecurityError: ExitCode.BadInput,
  CheckFailedError: ExitCode.CheckFailed, CoverageError: ExitCode.CheckFailed, MaskingFailedError: ExitCode.CheckFailed,
  PiiFoundError: ExitCode.CheckFailed, BrokenCheckError: ExitCode.CheckFailed, UnmaskedDatabasesError: ExitCode.CheckFailed,
};

/** The exit code of an error by its name alone ({@link EXIT_CODE_BY_ERROR_NAME}): 3 for a name rehearsal does not give a check or an input error. */
export const exitCodeOfName = (name: string): ExitCode => EXIT_CODE_BY_ERROR_NAME[name] ?? ExitCode.Environment;

/** The exit code for any thrown value: rehearsal errors say theirs, anything else is an environment error. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof RehearsalError ? error.exitCode : ExitCode.Environment;
}

/** A one-line description of any thrown value that is safe to print (no stack, no `{}`). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
