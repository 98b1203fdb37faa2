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
 * The batches of a table masked in key-range batches (see batches.ts) that had committed when it
 * stopped: they stay masked whatever happens to the batch after them.
 */
export interface CommittedBatches {
  /** The primary key column the batches are ranged by. */
  readonly key: string;
  /** Batches committed, over every call of the run. */
  readonly batches: number;
  readonly rows: number;
  /** The highest key the committed batches reach (as text); undefined when none had committed. */
  readonly through: string | undefined;
}

/**
 * What a failure left of a table: a table masked whole is rolled back and unchanged; a batched one
 * (`batches` given) keeps the batches that committed before the one that failed.
 */
export function tableLeftAs(table: string, batches?: CommittedBatches): string {
  if (!batches) return `${table} was rolled back and is unchanged`;
  const by = `${table} is masked in batches by ${batches.key}, each its own transaction: the batch that failed was rolled back`;
  if (batches.batches === 0 || batches.through === undefined) return `${by}, and none had committed before it, so ${table} is unchanged`;
  const kept = batches.batches === 1 ? 'the batch committed before it' : `the ${batches.batches} batches committed before it`;
  return `${by}, but ${kept} (${plural(batches.rows, 'row', 'rows')}, ${batches.key} up to ${batches.through}) ${batches.batches === 1 ? 'stays' : 'stay'} masked, so ${table} is partly masked`;
}

/** Where running anonymize again on the same copy, with the same rules and key, picks up after a failure on `table`. */
export function resumesAt(table: string, batches?: CommittedBatches): string {
  return batches?.through === undefined ? `with ${table}` : `after ${batches.key} ${batches.through}`;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * Masking a table failed on a database error (a check constraint, a fake that broke a constraint).
 * A table masked whole was rolled back; a batched one keeps its committed batches (`batches`). Tables
 * masked before it stay masked, and the run stops before promote. With `view`, `table` is a
 * materialized view whose refresh from the masked tables failed: it still holds production's rows.
 * `happened` says what failed and what state the copy is in; the message adds what to do next.
 */
export class MaskingFailedError extends CheckFailedError {
  /** What failed and what state the table and the database are in, without the advice. */
  readonly happened: string;
  /** For a table masked in batches: those committed before the failure, which stay masked. */
  readonly batches: CommittedBatches | undefined;
  constructor(readonly table: string, readonly constraint: string | undefined, message: string, options?: { cause?: unknown; batches?: CommittedBatches; view?: boolean }) {
    const happened = options?.view
      ? `refreshing materialized view ${table} from the masked tables failed: ${message}; it was rolled back and still holds the rows production gave it (every table is masked)`
      : `masking ${table} failed${constraint ? ` on constraint ${constraint}` : ''}: ${message}; ${tableLeftAs(table, options?.batches)}, and the tables masked before it stay masked`;
    const again = options?.view ? 'masks nothing again and refreshes it' : `resumes ${resumesAt(table, options?.batches)}`;
    super(`${happened}. Running anonymize again on this copy with the same rules and key ${again}; rules that mask otherwise are refused (restore a fresh copy for those)`, { cause: options?.cause });
    this.happened = happened;
    this.batches = options?.batches;
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
