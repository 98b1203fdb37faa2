import { isConnectionLost } from '../db/lost-connection';
import { CheckFailedError, EnvironmentError, formatProblem, RehearsalError, type InputProblem } from '../errors';

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

/** Said of every failure that leaves a run unfinished: a half-masked copy must not be taken for a masked one. */
const UNTIL_FINISHED = 'Until the run finishes, verify refuses this copy';

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
    super(`${happened}. Running anonymize again on this copy with the same rules and key ${again}; rules that mask otherwise are refused (restore a fresh copy for those). `
      + UNTIL_FINISHED, { cause: options?.cause });
    this.happened = happened;
    this.batches = options?.batches;
  }
}

/** Where an anonymize run stood when its connection was lost (see {@link ConnectionLostError}). */
export type RunStage =
  /** Before this call masked anything: reading the catalog, checking the rules, cutting ties to production, reading the run's progress. */
  | { readonly step: 'starting' }
  /** Inside the prepare transaction (fingerprints, known values, truncations), before it committed. */
  | { readonly step: 'preparing' }
  /** Between table groups: `done` of `units` masked and committed, none half done. */
  | { readonly step: 'between'; readonly done: number; readonly units: number }
  /** Masking `table` (a unit's tables, comma-separated): whole, or in batches (`batches` those committed). */
  | { readonly step: 'masking'; readonly table: string; readonly batches?: CommittedBatches }
  /** `table` committed masked; its ANALYZE (or VACUUM ANALYZE) after the commit had not finished. */
  | { readonly step: 'analysing'; readonly table: string }
  /** Every table masked and committed; one of the last steps (`doing`) had not finished, which leaves `left`. */
  | { readonly step: 'finishing'; readonly doing: string; readonly left: string };

/** What was lost, what state the copy is in and what running anonymize again does, for each stage. */
function lostAt(stage: RunStage): string {
  const again = 'Running anonymize again on this copy with the same rules and key';
  switch (stage.step) {
    case 'starting':
      return 'before masking began in this call (reading the catalog, checking the rules, cutting the copy\'s ties to production): nothing was masked in this call. '
        + `${again} starts the run, or resumes it where an earlier call stopped`;
    case 'preparing':
      return 'while preparing the run (fingerprints, known values, truncations), before it committed: the preparation was rolled back and nothing is masked. '
        + 'Running anonymize again on this copy starts the run over';
    case 'between':
      return (stage.done === 0
        ? `after the run was prepared and before any table was masked: nothing is masked yet. ${again} resumes from the prepared run`
        : `between tables: ${stage.done} of ${stage.units} table groups are masked and committed, none is half done. ${again} resumes with the next`) + `. ${UNTIL_FINISHED}`;
    case 'masking':
      return `while masking ${stage.table}: ${tableLeftAs(stage.table, stage.batches)}, and the tables masked before it stay masked. ${again} resumes ${resumesAt(stage.table, stage.batches)}. ${UNTIL_FINISHED}`;
    case 'analysing':
      return `after the masking of ${stage.table} committed, before its statistics were refreshed (ANALYZE): its rows are masked, but its planner statistics may still quote production's values. `
        + `${again} resumes by analysing ${stage.table}, then goes on. ${UNTIL_FINISHED}`;
    case 'finishing':
      return `after every table was masked and committed, while ${stage.doing}: ${stage.left}. ${again} masks nothing again and redoes the last steps. ${UNTIL_FINISHED}`;
  }
}

/**
 * The connection to the database was lost during an anonymize run (the backend terminated, the server
 * stopped or failed over, the network cut): an environment error (exit code 3), which the pipeline
 * retries, since a new call resumes. The message says when it was lost, what committed and what running
 * anonymize again does; `stage` says the same as data. The driver's error is the `cause`.
 */
export class ConnectionLostError extends EnvironmentError {
  constructor(readonly stage: RunStage, options: { cause: unknown }) {
    super(`lost the connection to the database (${reasonOf(options.cause)}) ${lostAt(stage)}`, options);
  }
}

/**
 * The connection to the database was lost while verify searched the copy (the backend terminated, the
 * server stopped or failed over, the network cut): an environment error (exit code 3). Verify changes
 * nothing before it passes, and a pass drops the fingerprints in one transaction, so the copy is as it
 * was and running verify again searches it again. The driver's error is the `cause`.
 */
export class VerifyConnectionLostError extends EnvironmentError {
  constructor(options: { cause: unknown }) {
    super(`lost the connection to the database while verifying (${reasonOf(options.cause)}): verify changes nothing until it passes, and a pass is one transaction, `
      + 'so the copy and its fingerprints are as they were. Running verify again on this copy with the same rules and key searches it again '
      + '(or says it passed, when the connection was lost just as the pass committed)', options);
  }
}

/**
 * The connection to the candidate was lost while the pipeline gave application roles new passwords,
 * after masking finished (see role-credentials.ts): an environment error (exit code 3), which the
 * pipeline retries. `role` is the one whose password was being set, `done` those set before it, `left`
 * those after it. Each password is one `ALTER ROLE`, so none is half set, and every role's new password
 * was staged in its secret before it was set: a new call masks nothing again and sets each role's
 * password again to the staged one, so roles and secrets agree. The message names roles, never a
 * password; the `cause` is the driver's error with any password or verifier redacted.
 */
export class CredentialsConnectionLostError extends EnvironmentError {
  constructor(readonly role: string, readonly done: readonly string[], readonly left: readonly string[], options: { cause: unknown }) {
    const set = done.length === 0 ? 'no role has its new password yet' : `${quotedRoles(done)} ${done.length === 1 ? 'has its new password' : 'have their new passwords'}`;
    super(`lost the connection to the candidate (${reasonOf(options.cause)}) while setting the new password of role "${role}", after every table was masked and committed: `
      + `${set}; ${quotedRoles([role, ...left])} may still have production's (each password is set by one ALTER ROLE, whole or not at all). `
      + 'Running the anonymize phase again on this candidate (the pipeline retries it) masks nothing again and sets every listed role\'s password again '
      + 'to the one staged in its secret, so each role and its secret agree', options);
  }
}

/** Role names as messages list them: `"a"`, `"a" and "b"`, `"a", "b" and "c"`. */
function quotedRoles(names: readonly string[]): string {
  const quoted = names.map((name) => `"${name}"`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1) ?? ''}`;
}

/** The driver's words for the loss (`terminating connection due to administrator command, SQLSTATE 57P01`), no value quoted. */
function reasonOf(cause: unknown): string {
  const code = (cause as { code?: unknown } | undefined)?.code;
  const message = messageWithoutValue(cause instanceof Error ? cause.message : String(cause));
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? `${message}, SQLSTATE ${code}` : message;
}

/**
 * `error` as a {@link ConnectionLostError} at `stage` when it means the connection was lost (and is no
 * rehearsal error already); otherwise `error` itself.
 */
export function lostConnectionAt(error: unknown, stage: RunStage): unknown {
  return !(error instanceof RehearsalError) && isConnectionLost(error) ? new ConnectionLostError(stage, { cause: error }) : error;
}

/** `error` as a {@link VerifyConnectionLostError} when it means verify's connection was lost (and is no rehearsal error already); otherwise `error` itself. */
export function verifyLostConnection(error: unknown): unknown {
  return !(error instanceof RehearsalError) && isConnectionLost(error) ? new VerifyConnectionLostError({ cause: error }) : error;
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
