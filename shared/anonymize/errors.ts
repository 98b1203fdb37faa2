import { CheckFailedError, formatProblem, type InputProblem } from '../errors';

/**
 * The rules `rules suggest` would write for the columns without one: `lines` to add under `under` (the
 * rules' `tables:` key, with its file when known); `rulesFile` when they come from a rules file (which
 * `rules suggest --rules` can add them to), not a config file's `anonymize` section.
 */
export interface SuggestedRules {
  readonly lines: string;
  readonly under: string;
  readonly rulesFile: boolean;
}

/**
 * Columns without a rule (or rules without a column): the run stops before anything changes. Exit
 * code 1, like any failed check; `unclassified` names every column without a rule, and `suggested`,
 * when the database could be read for it, holds rules for them to review and add.
 */
export class CoverageError extends CheckFailedError {
  readonly problems: readonly InputProblem[];
  constructor(
    readonly unclassified: readonly string[], readonly dangling: readonly string[], problems: readonly InputProblem[], readonly suggested?: SuggestedRules,
  ) {
    super(`the rules do not cover the database exactly; nothing was changed:\n${problems.map(formatProblem).join('\n')}${suggested ? `\n${suggestedRulesText(suggested)}` : ''}`);
    this.problems = problems;
  }
}

/** The suggested rules as the CLI, the run's failure and the on-call notification show them. */
export function suggestedRulesText(suggested: SuggestedRules): string {
  const adds = suggested.rulesFile ? '; rehearsal rules suggest --rules FILE adds them to a rules file' : '';
  return `Suggested rules for the columns without one, as rules suggest writes them from names and sampled values (review each, then add it under its table in ${suggested.under}${adds}):\n${suggested.lines.trimEnd()}`;
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

/** A CHECK constraint (or a domain's) the fakes of some masked columns break (see check-fit.ts). */
export interface BrokenCheck {
  readonly table: string;
  /** The constraint's name ('' when PostgreSQL did not say). */
  readonly constraint: string;
  /** Its definition (`CHECK ((email ~~ '%@acme.com'::text))`), or PostgreSQL's message when the fakes failed a domain or type. */
  readonly definition: string;
  /** Sampled rows whose fakes break it, of `sampled` (0 sampled: the fakes failed the query itself). */
  readonly broken: number;
  readonly sampled: number;
  /** The masked columns it is over. */
  readonly columns: readonly string[];
}

/**
 * The fakes would break check constraints, found on sampled rows before anything changed: the run
 * would otherwise stop on that table with the tables before it masked. Exit code 1.
 */
export class BrokenCheckError extends CheckFailedError {
  constructor(readonly broken: readonly BrokenCheck[]) {
    super(`the fakes would break these constraints, so nothing was changed:\n${broken.map(describeBrokenCheck).join('\n')}`);
  }
}

function describeBrokenCheck(check: BrokenCheck): string {
  const columns = check.columns.join(', ');
  const where = check.sampled > 0 ? ` for ${check.broken} of ${check.sampled} sampled rows` : '';
  return `  ${check.table}: ${check.constraint === '' ? 'a constraint' : `constraint ${check.constraint}`} (${check.definition}) fails${where}; ` +
    `give ${columns} a rule whose values meet it (fixed, or keep for a column that holds no personal data)`;
}

/**
 * A database error's message without the value some messages end by quoting (`invalid input syntax for
 * type inet: "…"`): it may be production's personal data. Names of constraints and types stay.
 */
export function messageWithoutValue(message: string): string {
  return message.replace(/: ".*"$/s, ': "…"');
}
