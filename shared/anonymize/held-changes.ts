import type pg from 'pg';
import { ConfigError, type InputProblem } from '../errors';
import type { TableInfo } from './catalog';

/**
 * A change a masking UPDATE needs on a relation for its own duration only (a trigger disabled, a
 * replica identity given), made and undone inside the masking transaction, so a failure undoes it with
 * everything else. Such changes need the relation's owner.
 */
export interface HeldChange {
  /** Whether the connected role owns the relation (or is a member of its owner role). */
  readonly owns: boolean;
  /** The statement that makes the change. */
  readonly make: string;
  /** The statement that puts the relation back as it was. */
  readonly undo: string;
  /** What a role that does not own the relation is told: why the change is needed, who can make it. */
  readonly refusal: string;
}

type Table = Pick<TableInfo, 'schema' | 'name' | 'qualified'>;

/**
 * Runs `work` (an UPDATE of `table`) with `changes` made, and undoes them before returning, inside the
 * caller's transaction. Throws {@link ConfigError} when the role does not own a relation to change
 * (checked first, before anything changes, by {@link refuseUnownedChanges}).
 */
export async function withHeldChanges<T>(client: pg.Client, table: Table, changes: readonly HeldChange[], work: () => Promise<T>): Promise<T> {
  const problems = refusals(table, changes);
  if (problems.length > 0) throw new ConfigError(problems);
  for (const change of changes) await client.query(change.make);
  const result = await work();
  for (const change of changes) await client.query(change.undo);
  return result;
}

/** Throws {@link ConfigError} naming every change of `changesOf` each updated table needs that this role cannot make. */
export async function refuseUnownedChanges(updated: readonly Table[], changesOf: (table: Table) => Promise<readonly HeldChange[]>): Promise<void> {
  const problems: InputProblem[] = [];
  for (const table of updated) problems.push(...refusals(table, await changesOf(table)));
  if (problems.length > 0) throw new ConfigError(problems);
}

function refusals(table: Table, changes: readonly HeldChange[]): InputProblem[] {
  return changes.filter((change) => !change.owns).map((change) => ({ path: table.qualified, message: change.refusal }));
}
